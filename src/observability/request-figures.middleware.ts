import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { dbStatsOf, requestLogEntry, startFigures, type RequestLogEntry } from './http-request-figures.js';
import { redactSql } from './redact-sql.js';

export interface RequestFiguresOptions {
  /** Send `X-DB-Statements` and `X-DB-Entities` with every response (DB_DEBUG, never in production). */
  dbHeaders: boolean;
  /** DB_STATEMENT_BUDGET: a request that runs more statements logs a warning; 0 = no budget. */
  statementBudget: number;
  /** Routes exempt from the budget: they run many statements by design (the streamed export). */
  budgetExempt?: ReadonlySet<string>;
  /** Called once per finished request with its entry (the metrics). */
  onFinished?: (entry: RequestLogEntry) => void;
}

export const DB_STATEMENTS_HEADER = 'X-DB-Statements';
export const DB_ENTITIES_HEADER = 'X-DB-Entities';

/**
 * Binds the request to its unit of work's figures (read by the request log line, which pino-http
 * writes), and, when asked, adds the DB_DEBUG headers, checks the statement budget and feeds the
 * metrics once the response is done. Listens to `close` only when one of those needs it.
 */
export function requestFiguresMiddleware(options: RequestFiguresOptions) {
  const logger = new Logger('HTTP');
  const { dbHeaders, statementBudget, budgetExempt, onFinished } = options;
  const watchEnd = statementBudget > 0 || onFinished !== undefined;
  return (req: Request, res: Response, next: NextFunction): void => {
    startFigures(req);
    if (dbHeaders) addDbHeaders(req, res);
    if (watchEnd) {
      res.once('close', () => {
        const entry = requestLogEntry(req, res);
        if (statementBudget > 0 && entry.dbStatements > statementBudget && !budgetExempt?.has(entry.route)) {
          warnOverBudget(logger, entry, statementBudget, dbStatsOf(req)?.first ?? []);
        }
        onFinished?.(entry);
      });
    }
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
function warnOverBudget(logger: Logger, entry: RequestLogEntry, budget: number, statements: string[]): void {
  const first = statements.map(redactSql);
  logger.warn(
    {
      event: 'statement-budget-exceeded',
      method: entry.method,
      route: entry.route,
      dbStatements: entry.dbStatements,
      budget,
      firstStatements: first,
    },
    `${entry.method} ${entry.route} ran ${entry.dbStatements} SQL statements, over DB_STATEMENT_BUDGET=${budget}; ` +
      `first ${first.length}: ${first.join(' | ')}`,
  );
}
