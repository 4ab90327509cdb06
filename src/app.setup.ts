import { MikroORM } from '@mikro-orm/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import helmet from 'helmet';
import { requestIdMiddleware } from './common/request-id.middleware.js';
import { requestLogMiddleware } from './common/request-log.middleware.js';
import { testDelayMiddleware } from './common/test-delay.middleware.js';
import { APP_CONFIG } from './config/app-config.module.js';
import type { AppConfig } from './config/env.schema.js';
import { setupDocs } from './docs/openapi.js';
import { requestContextMiddleware } from './database/request-context.middleware.js';
import { AppMetrics } from './observability/app-metrics.js';

/** Largest JSON body accepted; larger ones get a 413. */
export const BODY_LIMIT = '100kb';

/** `POST /users/bulk` carries up to 1000 users (~200 bytes each at the length limits). */
export const BULK_BODY_LIMIT = '1mb';

/**
 * HTTP settings shared by `main.ts` and the tests, so the specs exercise the app as it runs.
 * The app must be created with `{ bodyParser: false }` so this limit is the only JSON parser.
 * The configuration is the one `AppModule.forRoot(config)` was given.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfig>(APP_CONFIG);
  app.disable('x-powered-by');
  // The API's answers change with every write; an ETag would cost a hash per response and
  // invite stale 304s.
  app.set('etag', false);
  // Every request works in its own fork of the EntityManager (DatabaseModule registers no Nest
  // middleware for it: a plain Express one is cheaper).
  app.use(requestContextMiddleware(app.get(MikroORM)));
  // First, so every later step (and every error) knows the request id and is logged.
  app.use(requestIdMiddleware);
  const metrics = config.metrics ? app.get(AppMetrics) : undefined;
  app.use(
    requestLogMiddleware({
      format: config.logFormat,
      // The figures are for developers; production responses never show them.
      dbHeaders: config.dbDebug && config.nodeEnv !== 'production',
      statementBudget: config.dbStatementBudget,
      onFinished: metrics && ((entry) => metrics.observe(entry)),
    }),
  );
  // Helmet's defaults suit Swagger UI as @nestjs/swagger serves it: scripts from 'self' only,
  // inline styles allowed, images from 'self' and data:. `upgrade-insecure-requests` is dropped
  // because the service speaks plain HTTP (TLS ends at the proxy); with it, browsers would
  // rewrite Swagger UI's own calls to https.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['X-Request-Id'], maxAge: 600 });
  }
  if (config.testRequestDelayMs > 0) app.use(testDelayMiddleware(config.testRequestDelayMs));
  // Registered before the general parser: a body it has read is not read again below.
  app.use('/users/bulk', json({ limit: BULK_BODY_LIMIT }));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  setupDocs(app);
  // SIGTERM/SIGINT: close the app (GracefulShutdown drains requests, MikroORM closes), then exit 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
