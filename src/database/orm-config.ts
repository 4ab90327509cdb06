import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineConfig, type Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConnection } from 'kysely';
import { PostSchema } from '../posts/post.schema.js';
import { User } from '../users/user.entity.js';
import type { DatabaseTarget, PoolSettings } from './database-url.js';
import { migrationOptions, RUNNING_FROM_SOURCE } from './migration-options.js';
import { applySqlitePragmas } from './sqlite-pragmas.js';
import { CachedSqliteDriver } from './sqlite-statement-cache.js';
import { StatementCountingLogger } from './statement-counting.logger.js';

/** Every entity the service maps; the app, the CLI and the tests discover exactly these. */
export const ENTITIES = [User, PostSchema];

/** Pool used when none is configured (library defaults of `pg`, with a bounded wait). */
export const DEFAULT_POOL: PoolSettings = { max: 10, acquireTimeoutMs: 5000 };

export interface OrmSettings {
  database: DatabaseTarget;
  /** PostgreSQL connection pool (DB_POOL_MAX, DB_POOL_TIMEOUT_MS); SQLite ignores it. */
  pool?: PoolSettings;
  /** Entities to map instead of `ENTITIES` (migration:check's own spec adds one). */
  entities?: Options['entities'];
  /** Log every SQL statement (DB_DEBUG). */
  debug?: boolean;
  /** Where SQL log lines go when `debug` is on; defaults to the console. */
  logger?: (message: string) => void;
}

/**
 * Builds the MikroORM options for a database target. This is the only function that configures
 * MikroORM: `DatabaseModule` and the root `mikro-orm.config.ts` (CLI) both call it.
 */
export function createOrmOptions(settings: OrmSettings): Partial<Options> {
  const common = defineConfig({
    entities: settings.entities ?? ENTITIES,
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
    // Counts every statement against the current request context (dbStatements, the budget,
    // /metrics and the specs' statement counts), and prints only when `debug` is on.
    loggerFactory: (options) => new StatementCountingLogger(options),
    forceUtcTimezone: true,
  });
  const { database } = settings;
  if (database.driver === 'postgresql') {
    const pool = settings.pool ?? DEFAULT_POOL;
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: database.clientUrl,
      dbName: database.dbName,
      migrations: migrationOptions('postgresql'),
      pool: { max: pool.max },
      // pg's pool: a caller that finds no free connection within this time (or cannot open
      // one) gets an error, translated to a 503 in db-errors.ts, instead of queueing forever.
      driverOptions: { connectionTimeoutMillis: pool.acquireTimeoutMs },
    };
  }
  if (!database.inMemory) {
    // better-sqlite3 creates the file but not its folder (data/ on a fresh clone).
    mkdirSync(dirname(database.file), { recursive: true });
  }
  return {
    ...common,
    // SqliteDriver with bound parameters and a statement cache (sqlite-statement-cache.ts).
    driver: CachedSqliteDriver,
    dbName: database.file,
    migrations: migrationOptions('sqlite'),
    onCreateConnection: (connection) => applySqlitePragmas(connection as DatabaseConnection),
  };
}
