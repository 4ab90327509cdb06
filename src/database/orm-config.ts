import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineConfig, type Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { DatabaseConnection } from 'kysely';
import { User } from '../users/user.entity.js';
import type { DatabaseTarget } from './database-url.js';
import { applySqlitePragmas } from './sqlite-pragmas.js';
import { CachedSqliteDriver } from './sqlite-statement-cache.js';

/** Every entity the service maps; the app, the CLI and the tests discover exactly these. */
export const ENTITIES = [User];

export interface OrmSettings {
  database: DatabaseTarget;
  /** Log every SQL statement (DB_DEBUG). */
  debug?: boolean;
  /** Where SQL log lines go when `debug` is on; defaults to MikroORM's console logger. */
  logger?: (message: string) => void;
}

/**
 * Builds the MikroORM options for a database target. This is the only function that configures
 * MikroORM: `DatabaseModule` and the root `mikro-orm.config.ts` (CLI) both call it.
 */
export function createOrmOptions(settings: OrmSettings): Partial<Options> {
  const common = defineConfig({
    entities: ENTITIES,
    // The global EntityManager is never used for work: every request, command and REPL
    // session forks its own (see database.module.ts and src/cli/).
    allowGlobalContext: false,
    debug: settings.debug ?? false,
    ...(settings.logger ? { logger: settings.logger } : {}),
    forceUtcTimezone: true,
  });
  const { database } = settings;
  if (database.driver === 'postgresql') {
    return { ...common, driver: PostgreSqlDriver, clientUrl: database.clientUrl, dbName: database.dbName };
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
    onCreateConnection: (connection) => applySqlitePragmas(connection as DatabaseConnection),
  };
}
