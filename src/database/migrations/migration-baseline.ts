import type { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AbstractSqlConnection, EntityManager } from '@mikro-orm/sql';
import { readSchemaState } from '../schema/schema-state.js';

/**
 * Moves a database whose schema was made without migrations (`schema:create`, or a development
 * first start, which creates the schema from the entities) onto migrations, instead of letting
 * `migration:up` fail on `table users already exists`. It records the shipped migrations as
 * applied, and only when that is true to the letter: the live schema must be exactly what the
 * entities map (nothing missing, nothing extra in the mapped tables) and the entities exactly what
 * the migrations' snapshot says the migrations build.
 */

/** Why a database cannot be baselined; its message is one line naming what to do instead. */
export class BaselineRefused extends Error {
  override readonly name = 'BaselineRefused';
}

export type BaselineResult = { recorded: string[] } | { alreadyApplied: number };

/** True when the mapped tables exist but no migration is recorded: `migration:up` would fail on them. */
export async function needsBaseline(orm: MikroORM): Promise<boolean> {
  if (await hasRecordedMigrations(orm)) return false;
  if ((await readSchemaState(orm)).present.length === 0) return false;
  // Asked again: another instance may have committed its migrations (tables and records in one
  // transaction) between the two reads above, and the tables alone would then look unrecorded.
  // Once its tables are visible, so are its records.
  return !(await hasRecordedMigrations(orm));
}

async function hasRecordedMigrations(orm: MikroORM): Promise<boolean> {
  // Read-only: asking the migrator would create its table, outside the migration lock, and two
  // instances starting together on a fresh PostgreSQL database would race on that CREATE TABLE.
  if (!(await migrationsTableExists(orm))) return false;
  return (await orm.migrator.getExecuted()).length > 0;
}

/** Whether MikroORM's migrations table exists yet, asked of the database's catalogue. */
async function migrationsTableExists(orm: MikroORM): Promise<boolean> {
  const table = orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
  const connection = orm.driver.getConnection() as AbstractSqlConnection;
  const sql =
    orm.driver instanceof PostgreSqlDriver
      ? 'select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = ?'
      : "select count(*) as n from sqlite_master where type = 'table' and name = ?";
  const [row] = await connection.execute<{ n: number | string }[]>(sql, [table]);
  return Number(row?.n ?? 0) > 0;
}

/** The hint the migration commands and the start-up gate give for such a database. */
export const BASELINE_HINT =
  'the tables exist but no migration is recorded (made by schema:create or a first start without migrations): ' +
  'run `npm run migration:baseline` once to record the migrations that built them';

export async function baselineMigrations(orm: MikroORM): Promise<BaselineResult> {
  const executed = await orm.migrator.getExecuted();
  const pending = (await orm.migrator.getPending()).map((migration) => migration.name);
  if (executed.length > 0 && pending.length === 0) return { alreadyApplied: executed.length };
  if (executed.length > 0) {
    throw new BaselineRefused(
      `${executed.length} migration(s) are recorded already and ${pending.length} pending: run \`npm run migration:up\` instead`,
    );
  }
  const { present } = await readSchemaState(orm);
  if (present.length === 0) {
    throw new BaselineRefused('the database has no tables: run `npm run migration:up` to build it from the migrations');
  }
  // Entities against the snapshot of the last migration: a change nobody generated a migration for.
  if (await orm.migrator.checkSchema()) {
    throw new BaselineRefused(
      'the entities changed since the last migration, so the migrations do not build this schema: ' +
        'run `npm run migration:create` first',
    );
  }
  // The live schema against the entities, columns and indexes dropped included (safe: false);
  // tables the app does not map are left out of the comparison (dropTables: false).
  const drift = (await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false })).trim();
  if (drift !== '') {
    const statements = drift.split(/;\n/).filter((line) => line.trim() !== '');
    throw new BaselineRefused(
      `the live schema differs from what the migrations build (${statements.length} statement(s) apart, first: ` +
        `${statements[0].trim().replace(/;$/, '')}); nothing recorded`,
    );
  }
  // One transaction, so every migration is recorded or none is: the public `migrator.logMigration`
  // takes no transaction, hence the storage it delegates to.
  await (orm.em.fork() as EntityManager).transactional(async (em) => {
    const storage = orm.migrator.getStorage();
    for (const name of pending) await storage.logMigration({ name }, em.getTransactionContext());
  });
  return { recorded: pending };
}
