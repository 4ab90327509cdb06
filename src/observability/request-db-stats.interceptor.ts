import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { type Observable, tap } from 'rxjs';
import { StatementBudgetError } from '../common/errors.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { currentDbStats, type RequestDbStats } from '../database/request-db-stats.js';

const statsByRequest = new WeakMap<Request, RequestDbStats>();

/** The database figures of an HTTP request's context; undefined when no handler ran (404, 401). */
export function dbStatsOf(req: Request): RequestDbStats | undefined {
  return statsByRequest.get(req);
}

/**
 * Ties `req` to the figures of the request context it runs in. The request log calls it as the
 * request arrives (it runs after src/database/request-context.middleware.ts, inside the context),
 * so no per-request interceptor is needed outside strict test mode.
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

/**
 * Ties an HTTP request to the figures of its request context from inside the handler's context,
 * and enforces the strict budget. Registered only when NODE_ENV=test and a budget is set: an
 * interceptor wraps every handler in an rxjs pipeline, which measurably costs on the hot path,
 * and outside tests the request log binds the figures itself (bindDbStats).
 *
 * Under NODE_ENV=test the statement budget is strict: a handler that ran more statements than
 * DB_STATEMENT_BUDGET fails with a StatementBudgetError before its answer is sent, so the
 * request answers 500 and the spec that made it fails. Checked when the handler is done, not
 * at the offending statement, so no transaction is cut in half. Other modes only warn (in the
 * request log), and pay nothing here beyond one lookup.
 */
@Injectable()
export class RequestDbStatsInterceptor implements NestInterceptor {
  private readonly strictBudget: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.strictBudget = config.nodeEnv === 'test' ? config.dbStatementBudget : 0;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const stats = currentDbStats();
    if (stats === undefined) return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    statsByRequest.set(req, stats);
    if (this.strictBudget === 0) return next.handle();
    const budget = this.strictBudget;
    return next.handle().pipe(
      tap(() => {
        if (stats.statements > budget) throw new StatementBudgetError(`${req.method} ${routeOf(req)}`, stats.statements, budget);
      }),
    );
  }
}
