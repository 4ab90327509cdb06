import { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { PostgresDialect } from 'kysely';
import { classifyDbFailure } from '../errors.js';
import { guardRollback } from '../query/rollback-guard.js';

/**
 * MikroORM's PostgreSQL connection whose rollback on a connection the server dropped releases it
 * (the pool then discards it) instead of leaking a pool slot for good: see query/rollback-guard.ts.
 */
export class GuardedPostgreSqlConnection extends PostgreSqlConnection {
  override createKyselyDialect(overrides: Parameters<PostgreSqlConnection['createKyselyDialect']>[0]): PostgresDialect {
    return guardRollback(super.createKyselyDialect(overrides), {
      connectionBroke: (error) => classifyDbFailure(error) === 'unavailable',
    });
  }
}
