import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { errorResponse, headerRef, optionalHeader } from '../docs/responses.js';
import { IDEMPOTENCY_KEY_MAX } from './idempotency-key.entity.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/**
 * Makes a POST route honour `Idempotency-Key` (see IdempotencyInterceptor) and documents it. It
 * documents the route's 409 too (a taken value, or this key still in flight), so the route's own
 * `@ApiErrors` leaves 409 out.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A unique key per request (e.g. a UUID): a retry with the same key and body replays the first response ' +
        '(with `Idempotency-Replayed: true`) and writes nothing. Kept IDEMPOTENCY_TTL_HOURS (default 24).',
      // What the interceptor accepts (a malformed key is a 400): visible ASCII, bare or in the
      // Structured Field string form (`"…"`, two characters more).
      schema: {
        type: 'string',
        maxLength: IDEMPOTENCY_KEY_MAX + 2,
        pattern: '^[\\x21-\\x7e]+$',
        example: '5b8f6c1e-2f44-4a4e-9a59-2f0a1c3d4e5f',
      },
    }),
    ApiErrors(422),
    ApiResponse({
      status: 409,
      ...errorResponse(
        409,
        'A unique value is already taken (`field` names it, and `index` the batch item), or the first request with ' +
          'this `Idempotency-Key` is still in progress (retry after `Retry-After` seconds)',
      ),
      headers: { 'Retry-After': optionalHeader('Retry-After') },
    }),
  );
}

/** The `Idempotency-Replayed` response header, for a 201's documentation. */
export const IDEMPOTENCY_REPLAYED_HEADER = { 'Idempotency-Replayed': headerRef('Idempotency-Replayed') };
