import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorBodySchema } from '../common/error-body.schema.js';

export const DOCS_PATH = 'docs';
export const BEARER_SCHEME = 'bearer';

/**
 * The OpenAPI 3 document, generated from the controllers: the same Zod schemas that validate
 * requests (`@Body({ schema })`, `@Query({ schema })`, `@Param(…, { schema })`) and the response
 * schemas named in `@ApiResponse({ standardSchema })` describe them here.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('users-service')
    .setDescription(
      'Flask\'s "SQLAlchemy in Flask" pattern on NestJS + MikroORM. When the server has `API_TOKEN` set, ' +
        'every route except `/health` needs `Authorization: Bearer <token>` (use **Authorize**).',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: "The server's API_TOKEN" }, BEARER_SCHEME)
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  return rateLimitResponses(requireAuthResponses(SwaggerModule.createDocument(app, config)));
}

/** Paths never rate-limited (see http/rate-limit/route-class.ts). */
const NOT_RATE_LIMITED = /^\/(health|metrics)(\/|$)/;

/**
 * With RATE_LIMIT=1 every route outside /health and /metrics can answer 429: added here once, like
 * the 401s, instead of on every route.
 */
function rateLimitResponses(document: OpenAPIObject): OpenAPIObject {
  const { $schema: _, ...errorBody } = z.toJSONSchema(ErrorBodySchema, { target: 'openapi-3.0', io: 'output' });
  const tooMany = {
    description:
      'Rate limit exceeded (only when the server has RATE_LIMIT=1): `Retry-After` says in how many seconds to retry',
    headers: { 'Retry-After': { description: 'Seconds until the client may retry', schema: { type: 'integer' } } },
    content: { 'application/json': { schema: errorBody as SchemaObject } },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (NOT_RATE_LIMITED.test(path)) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation) operation.responses['429'] ??= tooMany;
    }
  }
  return document;
}

/**
 * The bearer guard is global, so every operation that is not public (`security: [{}]`, see
 * public.decorator.ts) can answer 401: added here once instead of on every route.
 */
function requireAuthResponses(document: OpenAPIObject): OpenAPIObject {
  const { $schema: _, ...errorBody } = z.toJSONSchema(ErrorBodySchema, { target: 'openapi-3.0', io: 'output' });
  const unauthorized = {
    description: 'Missing or wrong `Authorization: Bearer <token>` (only when the server has API_TOKEN)',
    content: { 'application/json': { schema: errorBody as SchemaObject } },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const isPublic = operation.security?.some((requirement) => Object.keys(requirement).length === 0);
      if (!isPublic) operation.responses['401'] ??= unauthorized;
    }
  }
  return document;
}

/** Serves Swagger UI at `/docs` and the document at `/docs-json`; both stay open to everyone. */
export function setupDocs(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
    customSiteTitle: 'users-service API',
    swaggerOptions: {
      // Swagger UI's default sends the document to validator.swagger.io for a badge: no third
      // party sees the API, and the page needs no outside origin in its CSP.
      validatorUrl: null,
      persistAuthorization: false,
    },
  });
}
