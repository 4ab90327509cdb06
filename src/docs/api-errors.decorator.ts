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
  413: 'Request body larger than the limit',
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
