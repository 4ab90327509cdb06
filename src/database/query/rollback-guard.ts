import type { DatabaseConnection, Dialect, Driver, QueryCompiler, TransactionSettings } from 'kysely';
import { CommitOutcomeUnknownError } from '../errors.js';

type Options = Parameters<Driver['init']>[0];
type Compile = QueryCompiler['compileQuery'];

/**
 * When a rollback may be skipped, or its failure forgiven, because the transaction is gone anyway;
 * and when a failed commit's outcome is unknown.
 */
export interface RollbackPolicy {
  /** True when no transaction is open on the connection (SQLite knows; PostgreSQL's handle does not say). */
  alreadyRolledBack?: () => boolean;
  /** True when a failed rollback means the connection itself broke (the server ends its transaction). */
  connectionBroke?: (error: unknown) => boolean;
  /**
   * Give the connection back to the driver when `BEGIN` fails. Kysely's `startTransaction()`
   * never releases a connection whose BEGIN threw (the transaction object that would release it
   * is never made). Right for a pool (pg drops the broken client); not for SQLite, whose one
   * connection is also held by Kysely's mutex, out of reach here.
   */
  releaseOnFailedBegin?: boolean;
  /**
   * True when a failed COMMIT leaves its outcome unknown: the connection broke after the COMMIT
   * was sent, so the server may have committed (and, in a cluster, replicated) before it went.
   * Such a failure is thrown as a CommitOutcomeUnknownError, so the client is told it may have
   * been applied rather than only "try again".
   */
  commitInDoubt?: (error: unknown) => boolean;
}

/**
 * A Kysely dialect whose rollback cannot leak or wedge the connection.
 *
 * Kysely holds a transaction's connection (SQLite's only one, under a mutex; one of pg's pool)
 * from `BEGIN` until `commit()` or `rollback()` *succeeds*; only then is it released. When the
 * rollback itself fails the connection is never released, and MikroORM only logs that failure:
 * - SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR,
 *   SQLITE_BUSY on COMMIT, SQLITE_NOMEM: sqlite.org/lang_transaction.html, "Response To Errors
 *   Within A Transaction"); the rollback then fails with "cannot rollback - no transaction is
 *   active", and every later ORM query waits forever for the lock (issue 14, failure 1).
 * - PostgreSQL: a connection the server dropped (restart, pg_terminate_backend) fails the rollback
 *   with "not queryable"; the pool's slot is never given back, and after DB_POOL_MAX such
 *   failures every request waits for a connection that never comes, long after the server is back.
 * Here the rollback of a transaction that is already gone succeeds without doing anything, so
 * Kysely releases the connection: SQLite's is usable again; pg's pool drops a broken client when
 * it is released. Any other rollback failure is still thrown.
 */
export function guardRollback<D extends Dialect>(dialect: D, policy: RollbackPolicy): D {
  // The same dialect object (its class is what MikroORM's typings expect), with a wrapped driver.
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = () => new RollbackGuardedDriver(createDriver(), policy);
  return dialect;
}

class RollbackGuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly policy: RollbackPolicy,
  ) {}

  init(options?: Options): Promise<void> {
    return this.inner.init(options);
  }

  acquireConnection(options?: Options): Promise<DatabaseConnection> {
    return this.inner.acquireConnection(options);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    try {
      await this.inner.beginTransaction(connection, settings);
    } catch (error) {
      if (this.policy.releaseOnFailedBegin) await this.inner.releaseConnection(connection).catch(() => undefined);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.commitTransaction(connection);
    } catch (error) {
      // MikroORM rolls back next; the forgiving rollback then lets Kysely release the connection.
      throw this.policy.commitInDoubt?.(error) ? new CommitOutcomeUnknownError(error) : error;
    }
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.forgiving(() => this.inner.rollbackTransaction(connection));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    // The savepoint went with the transaction; the outer rollback is forgiven the same way.
    return this.forgiving(() => this.inner.rollbackToSavepoint!(connection, name, compile));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await this.inner.releaseSavepoint!(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection, options?: Options): Promise<void> {
    return this.inner.releaseConnection(connection, options);
  }

  destroy(options?: Options): Promise<void> {
    return this.inner.destroy(options);
  }

  private async forgiving(rollback: () => Promise<void>): Promise<void> {
    if (this.policy.alreadyRolledBack?.()) return;
    try {
      await rollback();
    } catch (error) {
      if (this.policy.alreadyRolledBack?.() || this.policy.connectionBroke?.(error)) return;
      throw error;
    }
  }
}
