import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { setupDocs } from './docs/openapi.js';

/**
 * The few settings Nest takes on the application object rather than from a module, shared by
 * `main.ts`, the REPL-free specs and the bench, so the specs exercise the app as it runs. Every
 * per-request step is registered by its own module: the request context by DatabaseModule, request
 * ids and the log by ObservabilityModule, CORS and body parsing by HttpModule.
 * The app must be created with `{ bodyParser: false }` (HttpModule's parsers are the only ones).
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  // Express's ETag would hash every response body; the API sets its own validators where they
  // mean something.
  app.set('etag', false);
  // Helmet at the application level, as Nest's security guide has it, so its headers also cover
  // Swagger UI, whose routes are mounted here before any module's middleware. Its defaults suit
  // Swagger UI as @nestjs/swagger serves it (scripts from 'self', inline styles, data: images).
  // `upgrade-insecure-requests` is dropped because the service speaks plain HTTP (TLS ends at
  // the proxy); with it, browsers would rewrite Swagger UI's own calls to https.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  setupDocs(app);
  // SIGTERM/SIGINT: close the app (GracefulShutdown drains requests, MikroORM closes), then exit 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
