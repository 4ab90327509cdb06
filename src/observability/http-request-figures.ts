import type { Request, Response } from 'express';
import { requestIdOf } from './request-id.js';
import { currentDbStats, type RequestDbStats } from './request-db-stats.js';

/** What one request's log line says (besides the level, time and pid pino adds). */
export interface RequestLogEntry {
  method: string;
  /** Without the query string, which can carry personal data such as an e-mail filter. */
  path: string;
  /** The matched route's template (`/users/:id`), or `unmatched`. */
  route: string;
  status: number | 'aborted';
  durationMs: number;
  requestId: string | undefined;
  /** SQL statements the request's unit of work ran (BEGIN/COMMIT included). */
  dbStatements: number;
  /** Entities in the request's identity map when it ended. */
  dbEntities: number;
}

interface Figures {
  started: number;
  stats: RequestDbStats | undefined;
  /** The entry, once read after the response ended: the log line, its message and the metrics share it. */
  entry?: RequestLogEntry;
}

/** On the request itself, not in a WeakMap, for the reason request-db-stats.ts gives. */
const FIGURES = Symbol('requestFigures');
type WithFigures = Request & { [FIGURES]?: Figures };

const figuresOf = (req: Request): Figures | undefined => (req as WithFigures)[FIGURES];

/**
 * Ties `req` to the figures of the request context it runs in, and notes when it started.
 * Called by the request-figures step, which AppModule's request chain runs right after the step
 * that opens the request's context (DatabaseModule's REQUEST_CONTEXT_STEP).
 */
export function startFigures(req: Request): void {
  (req as WithFigures)[FIGURES] = { started: performance.now(), stats: currentDbStats() };
}

/** The database figures of an HTTP request's context; undefined when it ran outside one. */
export function dbStatsOf(req: Request): RequestDbStats | undefined {
  return figuresOf(req)?.stats;
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

/**
 * The request's log entry, read when its response is done (or its client went away). Built once:
 * the log line, its message, the budget check and the metrics all read the same entry.
 */
export function requestLogEntry(req: Request, res: Response): RequestLogEntry {
  const figures = figuresOf(req);
  if (figures?.entry) return figures.entry;
  const entry = buildEntry(req, res, figures);
  if (figures && res.writableFinished) figures.entry = entry;
  return entry;
}

function buildEntry(req: Request, res: Response, figures: Figures | undefined): RequestLogEntry {
  const stats = figures?.stats;
  const url = req.originalUrl ?? req.url;
  const query = url.indexOf('?');
  return {
    method: req.method,
    path: query === -1 ? url : url.slice(0, query),
    route: routeOf(req),
    status: res.writableFinished ? res.statusCode : 'aborted',
    durationMs: figures ? Math.round((performance.now() - figures.started) * 100) / 100 : 0,
    requestId: requestIdOf(req),
    dbStatements: stats?.statements ?? 0,
    dbEntities: stats?.entities() ?? 0,
  };
}
