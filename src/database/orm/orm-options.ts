/**
 * Owns: the MikroORM options of a database target (driver, pool, pragmas, migrations folders).
 * Must not import: features (entities come in through `OrmSettings.entities`) or observability
 * (the statement-counting logger comes in through `OrmSettings.loggerFactory`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineConfig, type LoggerOptions, type Logger, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConnection } from 'kysely';
import type { DatabaseTarget, PoolSettings } from '../../config/database-url.js';
import { migrationOptions, RUNNING_FROM_SOURCE } from '../migrations/migration-options.js';
import { boundPostgreSqlDriver } from '../postgresql/bound-postgresql-driver.js';
import { pgDeadlineOptions } from '../postgresql/pg-deadlines.js';
import { applySqlitePragmas, SQLITE_BUSY_TIMEOUT_MS } from '../sqlite/sqlite-pragmas.js';
import { CachedSqliteDriver } from '../sqlite/sqlite-statement-cache.js';
import { replicaRoutingDriver } from '../replicas/replica-driver.js';
import { releaseLostClients } from '../postgresql/lost-client-release.js';

/** Pool used when none is configured (library defaults of `pg`, with a bounded wait). */
export const DEFAULT_POOL: PoolSettings = { max: 10, acquireTimeoutMs: 5000 };

export interface OrmSettings {
  database: DatabaseTarget;
  /** The entities to map (the app's list is `src/entities.ts`). */
  entities: NonNullable<Options['entities']>;
  /** PostgreSQL connection pool (DB_POOL_MAX, DB_POOL_TIMEOUT_MS); SQLite ignores it. */
  pool?: PoolSettings;
  /**
   * Longest a statement may run (DB_STATEMENT_TIMEOUT_MS; 0: no limit): PostgreSQL's
   * statement_timeout and the client's query timeout; SQLite's busy_timeout. The app passes
   * its configuration; unset (the CLI) means no limit.
   */
  statementTimeoutMs?: number;
  /** Log every SQL statement (DB_DEBUG). */
  debug?: boolean;
  /** Where SQL log lines go when `debug` is on; defaults to the console. */
  logger?: (message: string) => void;
  /**
   * PostgreSQL: named prepared statements (DB_PREPARED_STATEMENTS, default true); values are
   * bound as parameters either way. SQLite ignores it.
   */
  preparedStatements?: boolean;
  /** MikroORM's logger; the app passes one that also counts statements (src/observability/). */
  loggerFactory?: (options: LoggerOptions) => Logger;
  /** PostgreSQL read replicas (DATABASE_READ_URLS), routed by src/database/replicas/; the CLI passes none. */
  replicas?: string[];
}

/**
 * Builds the MikroORM options for a database target. This is the only function that configures
 * MikroORM: `DatabaseModule` and the root `mikro-orm.config.ts` (CLI) both call it.
 */
export function createOrmOptions(settings: OrmSettings): Partial<Options> {
  const common = defineConfig({
    entities: settings.entities,
    extensions: [Migrator],
    // Load migrations from src/ (*.ts) when running from source, from dist/ (*.js) once compiled.
    preferTs: RUNNING_FROM_SOURCE,
    // The global EntityManager is never used for work: every request, command and REPL
    // session forks its own (see database.module.ts and src/cli/).
    allowGlobalContext: false,
    debug: settings.debug ?? false,
    // Looked up at call time (not bound once, as MikroORM's default is), so whoever owns
    // `console` at the moment, a log shipper or a spec, sees the SQL.
    logger: settings.logger ?? ((message: string) => console.log(message)),
    ...(settings.loggerFactory ? { loggerFactory: settings.loggerFactory } : {}),
    forceUtcTimezone: true,
  });
  const { database } = settings;
  // No limit unless asked: the CLI's migrations may rightly run long statements.
  const statementTimeout = settings.statementTimeoutMs ?? 0;
  if (database.driver === 'postgresql') {
    const pool = settings.pool ?? DEFAULT_POOL;
    const replicas = settings.replicas ?? [];
    const binding = { preparedStatements: settings.preparedStatements ?? true };
    return {
      ...common,
      // PostgreSqlDriver with bound parameters whose failed rollbacks cannot leak pool slots
      // (postgresql/bound-postgresql-driver.ts, guarded-postgresql-connection.ts); with replicas,
      // the same connections under a driver whose reads go where ReplicaMonitor says.
      driver: replicas.length > 0 ? replicaRoutingDriver(binding) : boundPostgreSqlDriver(binding),
      ...(replicas.length > 0
        ? {
            // Each replica gets the primary's pool size and connect timeout (MikroORM copies them).
            replicas: replicas.map((clientUrl, index) => ({ name: `read-${index + 1}`, clientUrl })),
            preferReadReplicas: true,
          }
        : {}),
      clientUrl: database.clientUrl,
      dbName: database.dbName,
      migrations: migrationOptions('postgresql'),
      pool: { max: pool.max },
      // pg's pool: a caller that finds no free connection within this time (or cannot open
      // one) gets an error, translated to a 503 in database/errors.ts, instead of queueing forever.
      // Deadlines and keepalive (postgresql/pg-deadlines.ts); a client lost under an open
      // transaction goes back to the pool (postgresql/lost-client-release.ts).
      driverOptions: { connectionTimeoutMillis: pool.acquireTimeoutMs, ...pgDriverOptions(statementTimeout) },
    };
  }
  if (!database.inMemory) {
    // better-sqlite3 creates the file but not its folder (data/ on a fresh clone).
    mkdirSync(dirname(database.file), { recursive: true });
  }
  return {
    ...common,
    // SqliteDriver with bound parameters and a statement cache (sqlite/sqlite-statement-cache.ts).
    driver: CachedSqliteDriver,
    dbName: database.file,
    migrations: migrationOptions('sqlite'),
    // A writer waits for another's lock as long as a statement may run; 0 keeps the default wait.
    onCreateConnection: (connection) =>
      applySqlitePragmas(connection as DatabaseConnection, statementTimeout || SQLITE_BUSY_TIMEOUT_MS),
  };
}

/**
 * pg's pool options: deadlines and keepalive (pg-deadlines.ts), and both pool hooks, which each
 * want `onPoolCreated`: the deadlines' read-timeout handling and the release of lost clients.
 */
function pgDriverOptions(statementTimeoutMs: number): Record<string, unknown> {
  const deadlines = pgDeadlineOptions(statementTimeoutMs);
  const onDeadlines = deadlines.onPoolCreated as ((pool: unknown) => void) | undefined;
  return {
    ...deadlines,
    onPoolCreated: (pool: unknown) => {
      onDeadlines?.(pool);
      releaseLostClients(pool);
    },
  };
}
