import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { type Observable, tap } from 'rxjs';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { routeOf } from './http-request-figures.js';
import { currentDbStats } from './request-db-stats.js';

/**
 * A request ran more SQL statements than DB_STATEMENT_BUDGET allows, in a test build (500).
 * Raised only under NODE_ENV=test, so its message (route template and counts, no data) is shown
 * in the body to tell the failing spec why.
 */
export class StatementBudgetError extends DomainError {
  readonly status = 500;
  override readonly exposeMessage = true;

  constructor(route: string, count: number, budget: number) {
    super(`${route} ran ${count} SQL statements, over DB_STATEMENT_BUDGET=${budget}`);
  }
}

/**
 * The strict statement budget of the test suite. Registered only when NODE_ENV=test and a budget
 * is set: an interceptor wraps every handler in an rxjs pipeline, which measurably costs on the
 * hot path, and outside tests the budget only warns (in the request log).
 *
 * A handler that ran more statements than DB_STATEMENT_BUDGET fails with a StatementBudgetError
 * before its answer is sent, so the request answers 500 and the spec that made it fails. Checked
 * when the handler is done, not at the offending statement, so no transaction is cut in half.
 */
@Injectable()
export class StatementBudgetInterceptor implements NestInterceptor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const stats = context.getType() === 'http' ? currentDbStats() : undefined;
    if (stats === undefined) return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const budget = this.config.dbStatementBudget;
    return next.handle().pipe(
      tap(() => {
        if (stats.statements > budget)
          throw new StatementBudgetError(`${req.method} ${routeOf(req)}`, stats.statements, budget);
      }),
    );
  }
}
