import type { Request } from 'express';
import { currentDbStats, type RequestDbStats } from './request-db-stats.js';

const statsByRequest = new WeakMap<Request, RequestDbStats>();

/** The database figures of an HTTP request's context; undefined when it ran outside one. */
export function dbStatsOf(req: Request): RequestDbStats | undefined {
  return statsByRequest.get(req);
}

/**
 * Ties `req` to the figures of the request context it runs in. The request log calls it as the
 * request arrives, inside the context DatabaseModule opened for it (global modules' middleware
 * runs first), so no per-request interceptor is needed.
 */
export function bindDbStats(req: Request): void {
  const stats = currentDbStats();
  if (stats !== undefined) statsByRequest.set(req, stats);
}

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route a request matched, as registered (`/users/:id`), never the raw path. No route, or
 * only a catch-all (`/{*all}`, where Nest answers 404s), gives one fixed label.
 */
export function routeOf(req: Request): string {
  const path = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' && !path.includes('*') ? path : UNMATCHED_ROUTE;
}
