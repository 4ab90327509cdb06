import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodySchema } from '../common/error-body.schema.js';

/** What each error status means in this API, for the OpenAPI document. */
const MEANINGS: Record<number, string> = {
  400: 'Invalid input: `issues` lists each value that failed validation',
  401: 'Missing or wrong `Authorization: Bearer <token>` (only when the server has API_TOKEN)',
  404: 'No such resource',
  409: 'A unique value is already taken: `field` names it',
  412: '`If-Match` names a version that is no longer current: `currentETag` (and the `ETag` header) says which is',
  413: 'Request body larger than the limit',
  422: 'This `Idempotency-Key` was used with a different request body',
  428: 'The server requires `If-Match` on writes (REQUIRE_IF_MATCH=1) and the request has none',
  503: 'The database is busy or unreachable; try again',
};

/** Documents the error statuses a route can answer, each with the one error body schema. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: MEANINGS[status] ?? STATUS_CODES[status] ?? 'Error',
        standardSchema: ErrorBodySchema,
      }),
    ),
  );
}
