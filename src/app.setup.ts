import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';

/** Largest JSON body accepted; larger ones get a 413. */
export const BODY_LIMIT = '100kb';

/** `POST /users/bulk` carries up to 1000 users (~200 bytes each at the length limits). */
export const BULK_BODY_LIMIT = '1mb';

/**
 * HTTP settings shared by `main.ts` and the tests, so the specs exercise the app as it runs.
 * The app must be created with `{ bodyParser: false }` so this limit is the only JSON parser.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  // The API's answers change with every write; an ETag would cost a hash per response and
  // invite stale 304s.
  app.set('etag', false);
  // Registered first: a body it has read is not read again by the general parser below.
  app.use('/users/bulk', json({ limit: BULK_BODY_LIMIT }));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.enableShutdownHooks();
  return app;
}
