/**
 * Owns: `Idempotency-Key` on POST routes: the stored keys (idempotency-key.entity.ts, registered
 * with the other entities in app-orm.ts), claiming and completing them, the interceptor and its
 * decorator. Must not import: features or the app.
 */
import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyService } from './idempotency.service.js';

@Module({
  providers: [IdempotencyService, IdempotencyInterceptor],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}
