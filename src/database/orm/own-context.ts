import { type MikroORM, RequestContext } from '@mikro-orm/core';

/**
 * Runs `work` in a request context of its own: a fresh fork of the EntityManager with its own
 * identity map, found through AsyncLocalStorage, exactly as an HTTP request runs. Every entry
 * point outside HTTP (CLI commands, start-up checks, each REPL line) goes through here, so
 * services work unchanged, statements are counted, and nothing touches the global
 * EntityManager (which refuses work: `allowGlobalContext` is off).
 */
export function inOwnContext<T>(orm: MikroORM, work: () => T): T {
  return RequestContext.create(orm.em, work);
}
