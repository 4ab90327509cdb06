import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { ErrorBodySchema } from '../common/error-body.schema.js';
import {
  COMMON_HEADERS,
  componentsOf,
  ERROR_MEANINGS,
  errorResponse,
  headerRef,
  REQUEST_ID_HEADER_REF,
} from './responses.js';

export const DOCS_PATH = 'docs';
export const BEARER_SCHEME = 'bearer';

/** The document's tags, each with what its routes are about (linters and generated docs show them). */
const TAGS: Record<string, string> = {
  users: 'Users: create, read, change, delete, page through, bulk-create, count and export',
  posts: 'Posts written by users, under their author and as one feed',
  health: 'Whether the service and its database answer, for probes and load balancers',
  metrics: 'Prometheus metrics, served only when the server has METRICS=1',
};

/**
 * The OpenAPI 3 document, generated from the controllers: the same Zod schemas that validate
 * requests (`@Body({ schema })`, `@Query({ schema })`, `@Param(…, { schema })`) and the response
 * schemas named in `@ApiResponse({ standardSchema })` describe them here. A schema with a
 * `.meta({ id })` becomes a named component (`User`, `ErrorBody`, …) and is referenced by `$ref`.
 * The document is a contract: `npm run docs:lint` lints it, every e2e response is checked against
 * it (test/helpers/contract.ts) and clients/typescript/ is generated from it.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('users-service')
    .setDescription(
      'Flask\'s "SQLAlchemy in Flask" pattern on NestJS + MikroORM. When the server has `API_TOKEN` set, ' +
        'every route except `/health` needs `Authorization: Bearer <token>` (use **Authorize**). Every ' +
        'response carries `X-Request-Id`; every error is a JSON `ErrorBody`.',
    )
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // Relative: the document is served by the API itself, so its own origin is the server.
    .addServer('/', 'The server this document is served from')
    // An opaque token compared byte for byte (auth/token.ts): no `bearerFormat`, it is not a JWT.
    .addSecurity(BEARER_SCHEME, { type: 'http', scheme: 'bearer', description: "The server's API_TOKEN" })
    .addSecurityRequirements(BEARER_SCHEME);
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  document.info.contact = { name: 'users-service maintainers' };
  document.components = {
    ...document.components,
    // Referenced by the responses every operation gets, whichever routes are registered.
    schemas: { ...document.components?.schemas, ...componentsOf(ErrorBodySchema, 'output') },
    headers: { ...COMMON_HEADERS },
    parameters: { ...document.components?.parameters, [READ_AFTER_PARAMETER]: READ_AFTER },
  };
  forEachOperation(document, addCommonResponses);
  return document;
}

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

function forEachOperation(
  document: OpenAPIObject,
  visit: (operation: OperationObject, path: string, method: Method) => void,
): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = item[method];
      if (operation) visit(operation, path, method);
    }
  }
}

/** Paths never rate-limited (see http/rate-limit/route-class.ts). */
const NOT_RATE_LIMITED = /^\/(health|metrics)(\/|$)/;
/** Methods whose reads may go to a replica (database/replicas/read-routing.middleware.ts). */
const SAFE_METHODS = new Set<Method>(['get', 'head', 'options']);

const READ_AFTER_PARAMETER = 'X-Read-After';
/** The request header of read-your-writes (database/replicas/read-routing.middleware.ts). */
const READ_AFTER: ParameterObject = {
  name: 'X-Read-After',
  in: 'header',
  required: false,
  description:
    'With read replicas: the `X-Consistency-Token` of an earlier write; the read waits (at most DB_READ_AFTER_WAIT_MS) ' +
    'for a replica that has it, else reads on the primary. Not a WAL position: 400',
  schema: { type: 'string', pattern: '^\\s*[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}\\s*$' },
};

/**
 * What every operation can answer, added once here instead of on every route: 400 and 413 for a
 * bad body (and 415 for an unsupported charset), 401 where the global bearer guard applies (every
 * operation not public, `security: [{}]`, see public.decorator.ts), 429 where rate limits apply,
 * a 500 that reveals nothing, 503 (request deadline, database down), 507 on writes (disk full),
 * Node's 408, and the `X-Request-Id` header on every response; `X-Consistency-Token` on a write's
 * success and `X-Read-After` on reads (read replicas).
 */
function addCommonResponses(operation: OperationObject, path: string, method: Method): void {
  const isPublic = operation.security?.some((requirement) => Object.keys(requirement).length === 0);
  // Every route parses a JSON body when one is sent, even a GET: a malformed or oversized one is refused.
  operation.responses['400'] ??= errorResponse(400);
  if (!isPublic) operation.responses['401'] ??= errorResponse(401);
  operation.responses['413'] ??= errorResponse(413);
  operation.responses['415'] ??= errorResponse(415);
  // With RATE_LIMIT=1 every route outside /health and /metrics can be limited.
  if (!NOT_RATE_LIMITED.test(path)) operation.responses['429'] ??= errorResponse(429);
  operation.responses['500'] ??= errorResponse(500);
  // REQUEST_TIMEOUT_MS cuts any request short with a 503 (http/request-deadline.middleware.ts).
  operation.responses['503'] ??= errorResponse(503);
  const writes = !SAFE_METHODS.has(method);
  // A write on a full disk (SQLITE_FULL, PostgreSQL's 53100); reads go on.
  if (writes) operation.responses['507'] ??= errorResponse(507);
  if (!writes)
    operation.parameters = [
      ...(operation.parameters ?? []),
      { $ref: `#/components/parameters/${READ_AFTER_PARAMETER}` },
    ];
  for (const [status, response] of Object.entries(operation.responses) as [string, ResponseObject][]) {
    response.headers = { 'X-Request-Id': REQUEST_ID_HEADER_REF, ...response.headers };
    // Every 503 says when to retry, the health probes' included (health.controller.ts).
    if (status === '503') response.headers['Retry-After'] ??= headerRef('Retry-After');
    // The consistency interceptor stamps every answered write, when replicas are configured.
    if (writes && status.startsWith('2')) response.headers['X-Consistency-Token'] ??= headerRef('X-Consistency-Token');
  }
  // Node's own answer, written before the app sees the request: no body and no X-Request-Id.
  operation.responses['408'] ??= { description: ERROR_MEANINGS[408] };
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
