import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { errorResponse } from './responses.js';

/**
 * Documents the error statuses a route (or every route of a controller) can answer, each with
 * its headers and the one `ErrorBody` schema. 400, 401, 413, 415, 429, 500 and 503 need not be
 * listed: every operation gets them (docs/openapi.ts); meanings live in docs/responses.ts.
 */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, ...errorResponse(status) })));
}
