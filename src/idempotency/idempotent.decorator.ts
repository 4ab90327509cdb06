import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ErrorBodySchema } from '../common/error-body.schema.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/** Makes a POST route honour `Idempotency-Key` (see IdempotencyInterceptor) and documents it. */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A unique key per request (e.g. a UUID): a retry with the same key and body replays the first response ' +
        '(with `Idempotency-Replayed: true`) and writes nothing. Kept IDEMPOTENCY_TTL_HOURS (default 24).',
    }),
    ApiErrors(422),
    ApiResponse({
      status: 409,
      description:
        'A unique value is already taken (`field` names it), or the first request with this `Idempotency-Key` ' +
        'is still in progress (retry after `Retry-After` seconds)',
      headers: { 'Retry-After': { description: 'Seconds to wait (in-flight key)', schema: { type: 'integer' } } },
      standardSchema: ErrorBodySchema,
    }),
  );
}

/** The `Idempotency-Replayed` response header, for a 201's documentation. */
export const IDEMPOTENCY_REPLAYED_HEADER = {
  'Idempotency-Replayed': {
    description: '`true` when this response is the stored answer to an earlier request with the same key',
    schema: { type: 'string', enum: ['true'] },
  },
};
