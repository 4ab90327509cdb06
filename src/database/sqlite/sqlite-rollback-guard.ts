import type Database from 'better-sqlite3';
import type { DatabaseConnection, Dialect, Driver, QueryCompiler, TransactionSettings } from 'kysely';

type Options = Parameters<Driver['init']>[0];
type Compile = QueryCompiler['compileQuery'];

/**
 * Kysely's SQLite dialect with a rollback that cannot wedge the connection.
 *
 * Kysely holds SQLite's single connection under a mutex from `BEGIN` until the transaction's
 * `commit()` or `rollback()` *succeeds*; only then is the lock released. But SQLite rolls a
 * transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY during
 * COMMIT, SQLITE_NOMEM: https://www.sqlite.org/lang_transaction.html, "Response To Errors Within
 * A Transaction"). MikroORM's `rollback` then fails with "cannot rollback - no transaction is
 * active", MikroORM only logs that, and the lock is never released: every later ORM query waits
 * forever (issue 14, failure 1: a full disk wedged the service until restart).
 *
 * Here a rollback with no transaction open on the handle is a no-op that succeeds (the
 * transaction is already gone, which is what the caller wants), so Kysely releases the lock
 * and the next request finds the connection usable. Everything else is Kysely's own driver.
 */
export function guardSqliteRollback(dialect: Dialect, database: Database.Database): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createDriver: () => new RollbackGuardedDriver(dialect.createDriver(), database),
  };
}

class RollbackGuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly database: Database.Database,
  ) {}

  init(options?: Options): Promise<void> {
    return this.inner.init(options);
  }

  acquireConnection(options?: Options): Promise<DatabaseConnection> {
    return this.inner.acquireConnection(options);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite already rolled it back (see above): nothing is left to undo.
    if (!this.database.inTransaction) return;
    await this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await this.inner.savepoint!(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    // The savepoint went with the transaction SQLite rolled back; the outer rollback is a no-op too.
    if (!this.database.inTransaction) return;
    await this.inner.rollbackToSavepoint!(connection, name, compile);
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
}
