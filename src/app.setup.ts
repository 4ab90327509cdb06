import { MikroORM } from '@mikro-orm/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { requestContextMiddleware } from './database/request-context.middleware.js';

/** Largest JSON body accepted; larger ones get a 413. */
export const BODY_LIMIT = '100kb';

/**
 * HTTP settings shared by `main.ts` and the tests, so the specs exercise the app as it runs.
 * The app must be created with `{ bodyParser: false }` so this limit is the only JSON parser.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  // The API's answers change with every write; an ETag would cost a hash per response and
  // invite stale 304s.
  app.set('etag', false);
  // Every request works in its own fork of the EntityManager (DatabaseModule registers no Nest
  // middleware for it: a plain Express one is cheaper).
  app.use(requestContextMiddleware(app.get(MikroORM)));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.enableShutdownHooks();
  return app;
}
