/**
 * Owns: the HTTP edge of the app: CORS, JSON body parsing and its limits, the one error filter
 * (http-error.filter.ts, registered by AppModule), the server's deadlines and limits, graceful shutdown
 * and the state it exposes, rate limiting (rate-limit/), the test builds' request delay. Must not import: features or the app.
 */
import { Inject, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import cors from 'cors';
import { json } from 'express';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { GracefulShutdown } from './graceful-shutdown.service.js';
import { HttpServerSettingsApplier } from './http-server-settings.js';
import { ShutdownStateModule } from './shutdown-state.js';
import { requestDeadlineMiddleware } from './request-deadline.middleware.js';
import { testDelayMiddleware } from './test-delay.middleware.js';

/** Largest JSON body accepted; larger ones get a 413. */
export const BODY_LIMIT = '100kb';

/** `POST /users/bulk` carries up to 1000 users (~200 bytes each at the length limits). */
export const BULK_BODY_LIMIT = '1mb';

const EVERY_ROUTE = { path: '{*all}', method: RequestMethod.ALL };

/** Response headers a browser client on another origin may read (CORS hides the others). */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Location',
  'ETag',
  'Retry-After',
  'Idempotency-Replayed',
  'X-Consistency-Token',
];

/**
 * Its middleware is mounted after ObservabilityModule's (same depth, imported after it by
 * AppModule), so a request refused here (a 413, malformed JSON, a CORS preflight) still has its
 * request id and its log line. The app is created with `{ bodyParser: false }`, so these parsers
 * are the only ones.
 */
@Module({
  imports: [ShutdownStateModule],
  providers: [GracefulShutdown, HttpServerSettingsApplier],
})
export class HttpModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    const { corsOrigins, testRequestDelayMs, requestTimeoutMs } = this.config;
    // First of this room's middleware: the deadline covers everything after it (issue 14).
    consumer.apply(requestDeadlineMiddleware(requestTimeoutMs)).forRoutes(EVERY_ROUTE);
    if (corsOrigins.length > 0) {
      consumer
        .apply(cors({ origin: corsOrigins, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }))
        .forRoutes(EVERY_ROUTE);
    }
    if (testRequestDelayMs > 0) consumer.apply(testDelayMiddleware(testRequestDelayMs)).forRoutes(EVERY_ROUTE);
    // The bulk route first: a body it has read is not read again by the general parser.
    consumer.apply(json({ limit: BULK_BODY_LIMIT })).forRoutes({ path: 'users/bulk', method: RequestMethod.POST });
    consumer.apply(json({ limit: BODY_LIMIT })).forRoutes(EVERY_ROUTE);
  }
}
