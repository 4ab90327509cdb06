import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { redactSql } from './redact-sql.js';
import type { RequestDbStats } from './request-db-stats.js';
import { bindDbStats, dbStatsOf, routeOf } from './http-request-figures.js';
import { requestIdOf } from './request-id.middleware.js';

/** What one request's log line says. */
export interface RequestLogEntry {
  method: string;
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

export interface RequestLogOptions {
  format: 'text' | 'json';
  /** Send `X-DB-Statements` and `X-DB-Entities` with every response (DB_DEBUG, never in production). */
  dbHeaders: boolean;
  /** DB_STATEMENT_BUDGET: a request that runs more statements logs a warning; 0 = no budget. */
  statementBudget: number;
  /** Called once per finished request with its entry (the metrics). */
  onFinished?: (entry: RequestLogEntry) => void;
}

export const DB_STATEMENTS_HEADER = 'X-DB-Statements';
export const DB_ENTITIES_HEADER = 'X-DB-Entities';

/**
 * One log line per request, written when the response is done (or the client went away), with
 * the request's database figures read from its unit of work. The query string is left out: it
 * can carry personal data such as an e-mail filter. With `json`, the line's `message` is the
 * entry itself, for log shippers to index.
 */
export function requestLogMiddleware(options: RequestLogOptions) {
  const logger = new Logger('HTTP');
  const { format, dbHeaders, statementBudget, onFinished } = options;
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    bindDbStats(req);
    if (dbHeaders) addDbHeaders(req, res);
    res.once('close', () => {
      const stats = dbStatsOf(req);
      const entry: RequestLogEntry = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        route: routeOf(req),
        status: res.writableFinished ? res.statusCode : 'aborted',
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 10_000) / 100,
        requestId: requestIdOf(req),
        dbStatements: stats?.statements ?? 0,
        dbEntities: stats?.entities() ?? 0,
      };
      if (format === 'json') logger.log(entry);
      else {
        logger.log(
          `${entry.method} ${entry.path} ${entry.status} ${entry.durationMs}ms id=${entry.requestId} ` +
            `dbStatements=${entry.dbStatements} dbEntities=${entry.dbEntities}`,
        );
      }
      if (statementBudget > 0 && entry.dbStatements > statementBudget) {
        warnOverBudget(logger, format, entry, statementBudget, stats!);
      }
      onFinished?.(entry);
    });
    next();
  };
}

/** Sets the headers just before the status line goes out, when the handler has done its work. */
function addDbHeaders(req: Request, res: Response): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  res.writeHead = ((...args: unknown[]) => {
    const stats = dbStatsOf(req);
    res.setHeader(DB_STATEMENTS_HEADER, stats?.statements ?? 0);
    res.setHeader(DB_ENTITIES_HEADER, stats?.entities() ?? 0);
    return writeHead(...args);
  }) as Response['writeHead'];
}

/** One line naming the route, the count and the first statements, with their values taken out. */
function warnOverBudget(
  logger: Logger,
  format: 'text' | 'json',
  entry: RequestLogEntry,
  budget: number,
  stats: RequestDbStats,
): void {
  const first = stats.first.map(redactSql);
  if (format === 'json') {
    logger.warn({
      event: 'statement-budget-exceeded',
      method: entry.method,
      route: entry.route,
      dbStatements: entry.dbStatements,
      budget,
      firstStatements: first,
      requestId: entry.requestId,
    });
    return;
  }
  logger.warn(
    `${entry.method} ${entry.route} ran ${entry.dbStatements} SQL statements, over DB_STATEMENT_BUDGET=${budget} ` +
      `(id=${entry.requestId}); first ${first.length}: ${first.join(' | ')}`,
  );
}
