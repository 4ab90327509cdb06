import type { MigrationInfo, MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { ConfigError } from '../../config/config-error.js';

/**
 * Key of the PostgreSQL advisory lock held while migrating: several instances started together
 * with DB_MIGRATE=1 (or a deploy job racing one) apply the migrations one after the other, and
 * each later one finds nothing pending, instead of racing on the same CREATE TABLE.
 * Any constant works; this one spells "users-se" in ASCII.
 */
const MIGRATION_LOCK_KEY = 0x7573_6572_732d_7365n;

export interface ApplyOptions {
  /** Stop after this migration (by name). */
  to?: string;
  /** Called after each migration is applied. */
  onApplied?: (name: string) => void;
}

/**
 * Applies the pending migrations, all in one transaction (MikroORM's `allOrNothing`).
 * On PostgreSQL that transaction first takes a transaction-level advisory lock
 * (`pg_advisory_xact_lock`), so concurrent callers serialise: the second waits, then finds
 * nothing pending. The lock belongs to the transaction, not to a session, so it holds through
 * PgBouncer in transaction mode (a session lock would stay on whichever server connection took
 * it, and its unlock could land on another) and it is released by the COMMIT or ROLLBACK
 * whatever happens. MikroORM creates its migrations table on a second pooled connection while
 * the lock is held, so the pool needs two connections.
 */
export async function applyPendingMigrations(orm: MikroORM, options: ApplyOptions = {}): Promise<MigrationInfo[]> {
  const listener = ({ name }: MigrationInfo): void => options.onApplied?.(name);
  const range = options.to ? { to: options.to } : {};
  orm.migrator.on('migrated', listener);
  try {
    if (!(orm.driver instanceof PostgreSqlDriver)) return await retryWhenRacing(() => orm.migrator.up(range));
    if ((orm.config.get('pool').max ?? 10) < 2) {
      throw new ConfigError(
        'applying migrations on PostgreSQL needs DB_POOL_MAX of at least 2 (the migrations table is created beside the locked transaction)',
      );
    }
    const connection = orm.driver.getConnection() as AbstractSqlConnection;
    return await connection
      .transactional(async (transaction) => {
        await connection.execute(
          'select pg_advisory_xact_lock(?::bigint)',
          [MIGRATION_LOCK_KEY.toString()],
          'run',
          transaction,
        );
        return orm.migrator.up({ ...range, transaction });
      })
      .catch(explainMigrationTimeout);
  } finally {
    orm.migrator.off('migrated', listener);
  }
}

/**
 * pg's `Query read timeout` while migrating is, when the server is otherwise up, the second
 * connection above waiting for a server connection that a pooler cannot give: PgBouncer with a
 * pool of one server connection (default_pool_size = 1) holds it for the locked transaction.
 * Found 2026-12-04: the start failed with that bare line after DB_STATEMENT_TIMEOUT_MS.
 */
function explainMigrationTimeout(error: unknown): never {
  if (error instanceof Error && /Query read timeout/.test(error.message)) {
    throw new ConfigError(
      'migrations timed out (Query read timeout): behind PgBouncer they need a pool of at least 2 server connections ' +
        '(one holds the locked transaction, the migrations table is made beside it), or run them against PostgreSQL directly',
    );
  }
  throw error;
}

/**
 * SQLite has no advisory lock. When two processes start with DB_MIGRATE=1 on one file they race:
 * both create the migrations table (one fails: it already exists), or both open a deferred
 * transaction and the second to write gets SQLITE_BUSY at once (SQLite refuses to wait where it
 * could deadlock). The loser's migration transaction is rolled back whole, so running it again is
 * safe: by then the winner has committed and nothing is pending. A real failure (a broken
 * migration) fails the same way every time and is thrown after the last attempt.
 */
async function retryWhenRacing<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 100));
    }
  }
}

/** Names of the migrations this database has not applied yet. */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.migrator.getPending()).map((migration) => migration.name);
}
