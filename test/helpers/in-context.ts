import { MikroORM, RequestContext } from '@mikro-orm/core';

/**
 * Runs `work` inside a fresh request context (its own EntityManager fork), as an HTTP request
 * would: the way specs call services outside HTTP without touching the global EntityManager.
 */
export function inContext<T>(orm: MikroORM, work: () => Promise<T>): Promise<T> {
  return RequestContext.create(orm.em, work);
}
