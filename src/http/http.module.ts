/**
 * Owns: the HTTP edge of the app: CORS, JSON body parsing and its limits, the one error filter
 * (http-error.filter.ts, registered by AppModule), the server's deadlines and limits, graceful shutdown
 * and the state it exposes, rate limiting (rate-limit/), the test builds' request delay. Must not import: features or the app.
 */
import { Module } from '@nestjs/common';
import cors from 'cors';
import { json } from 'express';
import type { Request } from 'express';
import type { RequestStep } from '../common/request-steps.js';
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

/** This room's steps of the request chain: the deadline, CORS, the body parsers (AppModule mounts them). */
export const HTTP_EDGE_STEPS = Symbol('HTTP_EDGE_STEPS');

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
 * Its steps run in the app's request chain after the request figures (AppModule), so a request
 * refused here (a 413, malformed JSON, a CORS preflight) still has its request id, its figures
 * and its log line. The app is created with `{ bodyParser: false }`, so these parsers are the
 * only ones.
 */
@Module({
  imports: [ShutdownStateModule],
  providers: [
    GracefulShutdown,
    HttpServerSettingsApplier,
    { provide: HTTP_EDGE_STEPS, useFactory: httpEdgeSteps, inject: [APP_CONFIG] },
  ],
  exports: [HTTP_EDGE_STEPS],
})
export class HttpModule {}

function httpEdgeSteps(config: AppConfig): RequestStep[] {
  const { corsOrigins, testRequestDelayMs, requestTimeoutMs } = config;
  const bulkJson = json({ limit: BULK_BODY_LIMIT });
  const generalJson = json({ limit: BODY_LIMIT });
  return [
    // First of this room's steps: the deadline covers everything after it (issue 14).
    requestDeadlineMiddleware(requestTimeoutMs),
    ...(corsOrigins.length > 0 ? [cors({ origin: corsOrigins, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 })] : []),
    ...(testRequestDelayMs > 0 ? [testDelayMiddleware(testRequestDelayMs)] : []),
    (req, res, next) => (isBulkCreate(req) ? bulkJson : generalJson)(req, res, next),
  ];
}

/**
 * `POST /users/bulk` as Express routes it: case-insensitive, with or without a trailing slash
 * (the router's defaults), so the larger limit applies to exactly the requests its handler gets.
 */
function isBulkCreate(req: Request): boolean {
  return req.method === 'POST' && /^\/users\/bulk\/?$/i.test(req.path);
}
