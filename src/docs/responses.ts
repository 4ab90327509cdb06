import { STATUS_CODES } from 'node:http';
import type { HeaderObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorBodySchema } from '../common/error-body.schema.js';

/** What each error status means in this API, for the OpenAPI document. */
export const ERROR_MEANINGS: Record<number, string> = {
  400: 'Invalid input: a malformed JSON body, or values that failed validation (`issues` lists each)',
  401: 'Missing or wrong `Authorization: Bearer <token>` (only when the server has API_TOKEN)',
  404: 'No such resource',
  408:
    'The request (or its headers) did not arrive within HTTP_REQUEST_TIMEOUT_MS (HTTP_HEADERS_TIMEOUT_MS): ' +
    'Node answers without a body and closes the connection',
  409: 'A unique value is already taken: `field` names it (and `index` the batch item)',
  412: '`If-Match` names a version that is no longer current: `currentETag` (and the `ETag` header) says which is',
  413: 'Request body larger than the limit',
  415: 'Unsupported body encoding or charset',
  422: 'This `Idempotency-Key` was used with a different request body',
  428: 'The server requires `If-Match` on writes (REQUIRE_IF_MATCH=1) and the request has none',
  429: 'Rate limit exceeded (only when the server has RATE_LIMIT=1): retry after `Retry-After` seconds',
  500: 'An unexpected failure: the body says only "internal server error"; the log has the details under `requestId`',
  503:
    'The database is busy or unreachable, or the request did not finish within REQUEST_TIMEOUT_MS; ' +
    'try again after `Retry-After` seconds',
  507: 'The database has no space left for a write; reads go on. Try again after `Retry-After` seconds',
};

/** Headers the document declares once, in `components.headers`, and references from responses. */
type CommonHeader =
  | 'X-Request-Id'
  | 'WWW-Authenticate'
  | 'Retry-After'
  | 'Location'
  | 'ETag'
  | 'Idempotency-Replayed'
  | 'X-Consistency-Token';

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
  ETag: {
    description: 'Strong validator of this version of the resource (`"u<id>-v<version>"`, `"p<id>-v<version>"`)',
    required: true,
    schema: { type: 'string', example: '"u1-v1"' },
  },
  'Idempotency-Replayed': {
    description: '`true` when this response is the stored answer to an earlier request with the same `Idempotency-Key`',
    required: false,
    schema: { type: 'string', enum: ['true'], example: 'true' },
  },
  'X-Consistency-Token': {
    description:
      "With read replicas (DATABASE_READ_URLS): the primary's WAL position after this write. Send it back as " +
      '`X-Read-After` and the read sees the write. Absent without replicas, or when the primary could not say',
    required: false,
    schema: { type: 'string', pattern: '^[0-9A-F]{1,8}/[0-9A-F]{1,8}$', example: '0/16B3748' },
  },
};

/** `If-None-Match` on a conditional GET (`@ApiHeader`). */
export const IF_NONE_MATCH_HEADER = {
  name: 'If-None-Match',
  required: false,
  description: 'An ETag read before (or a list of them, or `*`): 304 without a body if still current',
  schema: { type: 'string' as const, example: '"u1-v1"' },
};

/** `If-Match` on a write (`@ApiHeader`). */
export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description:
    'The ETag of the version this write changes: 412 if it is no longer current. Without it the write applies to ' +
    'the current row, last writer wins, and never answers 412 (required with REQUIRE_IF_MATCH=1: 428 without)',
  schema: { type: 'string' as const, example: '"u1-v1"' },
};

/**
 * A declared header as a response sends it only sometimes: the same description and schema,
 * not required (a `$ref` cannot change `required`).
 */
export function optionalHeader(name: CommonHeader): HeaderObject {
  return { ...COMMON_HEADERS[name], required: false };
}

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
function errorHeaders(status: number): Record<string, ReferenceObject | HeaderObject> | undefined {
  if (status === 401) return { 'WWW-Authenticate': headerRef('WWW-Authenticate') };
  if (status === 503 || status === 507 || status === 429) return { 'Retry-After': headerRef('Retry-After') };
  // The current ETag, when the service knows it (a conflict caught by the optimistic lock alone does not).
  if (status === 412) return { ETag: optionalHeader('ETag') };
  return undefined;
}

/** An error response as the document states it: its meaning, its headers, the one `ErrorBody`. */
export function errorResponse(status: number, description?: string): ResponseObject {
  return {
    description: description ?? ERROR_MEANINGS[status] ?? STATUS_CODES[status] ?? 'Error',
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
