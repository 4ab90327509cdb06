import { RequestContext } from '@mikro-orm/core';

/**
 * Gives the current request's fork (MikroORM's request context) an abort signal: every later
 * find, query builder and flush of that fork passes it to the driver, so a request past its
 * deadline, or whose client went away, stops its remaining database work instead of finishing it
 * for nobody. MikroORM takes the signal at `fork({ signal })`, but its request-context middleware
 * forks without options, so the field is set on the fork it made (what `fork()` would have set).
 * Raw SQL through `em.getConnection()` does not read it; long loops check the signal themselves.
 * False when no request context is active.
 */
export function setRequestSignal(signal: AbortSignal): boolean {
  const em = RequestContext.getEntityManager();
  if (!em) return false;
  (em as unknown as { signal?: AbortSignal }).signal = signal;
  return true;
}

/** The abort signal of the current request's fork, if any (for raw-SQL loops such as the export). */
export function requestSignal(): AbortSignal | undefined {
  const em = RequestContext.getEntityManager();
  return em ? (em as unknown as { signal?: AbortSignal }).signal : undefined;
}
