/**
 * Owns (migrations/): the migration lifecycle: where each dialect's migration files live, the
 * runner (up/down/check under a lock), the start-up gate, the files themselves. Must not import:
 * features (entities come in through the ORM's options), observability, http.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationsOptions } from '@mikro-orm/core';

/** The SQL dialects the service ships migrations for; each has its own folder. */
export type MigrationDialect = 'sqlite' | 'postgresql';

/**
 * True when this code runs from the TypeScript sources (Vitest, a TS loader), false from the
 * compiled `dist/`. Decides whether the migrator loads `src/…/*.ts` or `dist/src/…/*.js`.
 */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

// src/database/migrations/ or dist/src/database/migrations/, whichever this file was loaded from.
const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, RUNNING_FROM_SOURCE ? '../../..' : '../../../..');

/** Where a dialect's migrations and snapshot are written and read from source. */
export function migrationsSourceDir(dialect: MigrationDialect): string {
  return join(projectRoot, 'src/database/migrations', dialect);
}

/**
 * Migrations are generated per dialect (`src/database/migrations/sqlite/`, `…/postgresql/`):
 * MikroORM writes each migration as the SQL of one driver (column types, autoincrement,
 * constraint syntax differ), so one folder per dialect keeps every file exactly what
 * MikroORM generated and `migration:check` can diff each against the entities.
 */
export function migrationOptions(dialect: MigrationDialect): MigrationsOptions {
  return {
    path: join(projectRoot, 'dist/src/database/migrations', dialect),
    pathTs: migrationsSourceDir(dialect),
    emit: 'ts',
    // One snapshot per folder whatever the database is called (default: `.snapshot-<dbName>`).
    snapshotName: '.snapshot',
    // Running migrations must never rewrite a file in src/ (tests and servers run them).
    snapshotOnMigrate: false,
    silent: true,
  };
}
