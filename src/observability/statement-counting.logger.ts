import { DefaultLogger, type LogContext } from '@mikro-orm/core';
import { recordStatement } from './request-db-stats.js';

/**
 * MikroORM's own logger, which its connection calls once for every statement it runs (queries,
 * BEGIN/COMMIT/ROLLBACK, savepoints, failed statements too) whatever the debug setting. Each one
 * is counted against the current request context; printing still happens only with DB_DEBUG.
 */
export class StatementCountingLogger extends DefaultLogger {
  override logQuery(context: { query: string } & LogContext): void {
    super.logQuery(context);
    // With slowQueryThreshold set, a slow statement is logged a second time on the same logger.
    if (context.namespace !== 'slow-query') recordStatement(context.query);
  }
}
