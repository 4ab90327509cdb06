import { type MikroORM, RequestContext } from '@mikro-orm/core';
import type { NextFunction, Request, Response } from 'express';

/**
 * Opens MikroORM's request context (a fork of the EntityManager with its own identity map, found
 * through AsyncLocalStorage) around every HTTP request: what `@mikro-orm/nestjs`'s middleware does,
 * registered as a plain Express middleware instead, which skips Nest's middleware routing on every
 * request (measured in the README's "Benchmark" section). Installed by `configureApp`.
 */
export function requestContextMiddleware(orm: MikroORM) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    RequestContext.create(orm.em, next);
  };
}
