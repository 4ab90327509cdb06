import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { currentDbStats, type RequestDbStats } from '../database/request-db-stats.js';

const statsByRequest = new WeakMap<Request, RequestDbStats>();

/** The database figures of an HTTP request's context; undefined when no handler ran (404, 401). */
export function dbStatsOf(req: Request): RequestDbStats | undefined {
  return statsByRequest.get(req);
}

/**
 * The route a request matched, as registered (`/users/:id`), never the raw path. No route, or
 * only a catch-all (`/{*all}`, where Nest answers 404s), gives one fixed label.
 */
export function routeOf(req: Request): string {
  const path = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' && !path.includes('*') ? path : UNMATCHED_ROUTE;
}

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Ties an HTTP request to the figures of its request context, for its log line, headers and
 * metrics. An interceptor runs inside the handler's context whichever middleware opened it
 * (MikroORM's Nest middleware or a plain Express one), so nothing depends on middleware order.
 *
 * Under NODE_ENV=test the statement budget is strict: a statement beyond DB_STATEMENT_BUDGET
 * throws where it is issued, the request answers 500 and the spec that made it fails.
 */
@Injectable()
export class RequestDbStatsInterceptor implements NestInterceptor {
  private readonly strictBudget: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const strict = config.nodeEnv === 'test' && config.dbStatementBudget > 0;
    this.strictBudget = strict ? config.dbStatementBudget : Infinity;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const stats = currentDbStats();
      if (stats !== undefined) {
        const req = context.switchToHttp().getRequest<Request>();
        statsByRequest.set(req, stats);
        if (this.strictBudget !== Infinity) stats.setLimit(this.strictBudget, `${req.method} ${routeOf(req)}`);
      }
    }
    return next.handle();
  }
}
