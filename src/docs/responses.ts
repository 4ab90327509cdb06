import { STATUS_CODES } from 'node:http';
import type { HeaderObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorBodySchema } from '../common/error-body.schema.js';

/** What each error status means in this API, for the OpenAPI document. */
export const ERROR_MEANINGS: Record<number, string> = {
  400: 'Invalid input: a malformed JSON body, or values that failed validation (`issues` lists each)',
  401: 'Missing or wrong `Authorization: Bearer <token>` (only when the server has API_TOKEN)',
  404: 'No such resource',
  409: 'A unique value is already taken: `field` names it (and `index` the batch item)',
  413: 'Request body larger than the limit',
  415: 'Unsupported body encoding or charset',
  500: 'An unexpected failure: the body says only "internal server error"; the log has the details under `requestId`',
  503: 'The database is busy or unreachable; try again after `Retry-After` seconds',
};

/** Headers the document declares once, in `components.headers`, and references from responses. */
type CommonHeader = 'X-Request-Id' | 'WWW-Authenticate' | 'Retry-After' | 'Location';

export const COMMON_HEADERS: Record<CommonHeader, HeaderObject> = {
  'X-Request-Id': {
    description: "The request's id: the caller's own `X-Request-Id` when short and plain, else a new UUID",
    required: true,
    schema: { type: 'string', example: '6f1c2b1e-8d0a-4c55-9d7e-3f2a1b0c9d8e' },
  },
  'WWW-Authenticate': {
    description: 'The scheme to authenticate with',
    required: true,
    schema: { type: 'string', example: 'Bearer realm="users-service"' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'integer', minimum: 0, example: 1 },
  },
  Location: {
    description: 'The path of the created resource',
    required: true,
    schema: { type: 'string', example: '/users/1' },
  },
};

export const headerRef = (name: CommonHeader): ReferenceObject => ({
  $ref: `#/components/headers/${name}`,
});
export const REQUEST_ID_HEADER_REF = headerRef('X-Request-Id');

/** `#/components/schemas/<id>` of a Zod schema named with `.meta({ id })`. */
export function schemaRef(schema: z.ZodType): ReferenceObject {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('schemaRef: the schema has no .meta({ id })');
  return { $ref: `#/components/schemas/${id}` };
}

/** The named component schemas a Zod schema brings (itself and every named schema inside it). */
export function componentsOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, SchemaObject> {
  const converted = z.toJSONSchema(schema, { target: 'openapi-3.0', io }) as { definitions?: object };
  const definitions = JSON.stringify(converted.definitions ?? {}).replaceAll('#/definitions/', '#/components/schemas/');
  return withSingleExample(JSON.parse(definitions)) as Record<string, SchemaObject>;
}

/** OpenAPI 3.0 schemas carry one `example`, not JSON Schema's `examples` (as @nestjs/swagger converts them too). */
function withSingleExample(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSingleExample);
  if (typeof value !== 'object' || value === null) return value;
  const { examples, ...rest } = value as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, child]) => [key, withSingleExample(child)]));
  if (Array.isArray(examples) && !('example' in rest)) converted.example = examples[0];
  return converted;
}

/** The headers an error status calls for, besides X-Request-Id. */
function errorHeaders(status: number): Record<string, ReferenceObject> | undefined {
  if (status === 401) return { 'WWW-Authenticate': headerRef('WWW-Authenticate') };
  if (status === 503) return { 'Retry-After': headerRef('Retry-After') };
  return undefined;
}

/** An error response as the document states it: its meaning, its headers, the one `ErrorBody`. */
export function errorResponse(status: number): ResponseObject {
  return {
    description: ERROR_MEANINGS[status] ?? STATUS_CODES[status] ?? 'Error',
    headers: errorHeaders(status),
    content: { 'application/json': { schema: schemaRef(ErrorBodySchema) } },
  };
}

/**
 * A newline-delimited JSON response: OpenAPI 3.0 has no media type for a sequence of JSON values,
 * so the body is described as text and each line's schema is named in `x-ndjson-line` (a `$ref`
 * to the line's component, which the schema brings along as `line`'s named schemas).
 */
export function ndjsonResponse(line: z.ZodType, description: string) {
  const ref = schemaRef(line);
  return {
    description: `${description}. Each line is one JSON value shaped like ${ref.$ref.split('/').pop()}`,
    content: {
      'application/x-ndjson': {
        schema: {
          type: 'string' as const,
          description: 'Lines of JSON, each ended by a line feed',
          'x-ndjson-line': ref,
        },
        example: `${JSON.stringify(exampleOf(line))}\n`,
      },
    },
  };
}

/** The first example of a named Zod schema (its `.meta({ examples })`). */
function exampleOf(schema: z.ZodType): unknown {
  return (z.globalRegistry.get(schema)?.examples as unknown[] | undefined)?.[0];
}
