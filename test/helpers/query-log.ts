import type { LogContext, MikroORM } from '@mikro-orm/core';

export interface QueryLog {
  /** Every SQL statement the ORM sent since the last `reset()`. */
  readonly queries: string[];
  reset(): void;
  restore(): void;
}

/**
 * Records every statement through the ORM's own logger (`logQuery`, called by the connection for
 * each query whatever the debug setting), in the manner of MikroORM's `mockLogger` test helper.
 * Counts statements, never time.
 */
export function recordQueries(orm: MikroORM): QueryLog {
  const logger = orm.config.getLogger();
  const original = logger.logQuery.bind(logger);
  const queries: string[] = [];
  logger.logQuery = (context: { query: string } & LogContext) => {
    queries.push(context.query);
    original(context);
  };
  return {
    queries,
    reset: () => void queries.splice(0),
    restore: () => {
      logger.logQuery = original;
    },
  };
}
