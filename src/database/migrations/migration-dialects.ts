import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { DatabaseSchema, type AbstractSqlPlatform } from '@mikro-orm/sql';
import type { DatabaseTarget } from '../../config/database-url.js';
import { migrationsSourceDir, type MigrationDialect } from './migration-options.js';
import { createOrmOptions, type OrmSettings } from '../orm/orm-options.js';

/** Every dialect the service ships migrations for; `migration:create` and `:check` cover all. */
export const MIGRATION_DIALECTS: MigrationDialect[] = ['sqlite', 'postgresql'];

/**
 * A target of the dialect that is never connected to: generating and checking migrations
 * compares the entities with the folder's snapshot, so neither needs a live database.
 */
function offlineTarget(dialect: MigrationDialect): DatabaseTarget {
  if (dialect === 'sqlite') return { driver: 'sqlite', file: ':memory:', inMemory: true };
  return { driver: 'postgresql', clientUrl: 'postgresql://offline@127.0.0.1:1/offline', dbName: 'offline' };
}

/** Runs `work` with an ORM of `dialect` that only generates SQL, then closes it. */
export async function withOfflineOrm<T>(
  dialect: MigrationDialect,
  work: (orm: MikroORM) => Promise<T>,
  settings: Pick<OrmSettings, 'entities'>,
): Promise<T> {
  const orm = await MikroORM.init(createOrmOptions({ ...settings, database: offlineTarget(dialect) }));
  try {
    return await work(orm);
  } finally {
    await orm.close();
  }
}

/**
 * The first `migration:create` of a dialect starts from an empty schema: writing that as the
 * snapshot lets MikroORM diff offline, so the initial migration holds the whole schema.
 */
export function ensureSnapshot(orm: MikroORM, dialect: MigrationDialect): void {
  const file = join(migrationsSourceDir(dialect), '.snapshot.json');
  if (existsSync(file)) return;
  const empty = new DatabaseSchema(orm.driver.getPlatform() as AbstractSqlPlatform, orm.config.get('schema'));
  writeFileSync(file, JSON.stringify(empty, null, 2));
}
