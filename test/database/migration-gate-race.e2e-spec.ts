import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appOrmOptions } from '../../src/app-orm.js';
import { loadConfig } from '../../src/config/env.schema.js';
import { needsBaseline } from '../../src/database/migrations/migration-baseline.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

/**
 * Two instances starting together with DB_MIGRATE=1 on a fresh database (test/process/multi-instance
 * caught it once in CI): B's start-up gate asks "no migration recorded?", A commits its migrations
 * (tables and records in one transaction), B asks "tables present?" and, without a second look at
 * the records, refuses to start with the migration:baseline hint. Here A's commit is placed exactly
 * in that gap: right after B's first read of the records.
 */
describe(`the start-up gate while another instance commits its migrations (${testDbKind})`, () => {
  let db: TestDatabase;
  let a: MikroORM;
  let b: MikroORM;

  beforeEach(async () => {
    db = await createTestDatabase();
    const options = () => appOrmOptions({ database: loadConfig({ DATABASE_URL: db.url }).database });
    [a, b] = [await MikroORM.init(options()), await MikroORM.init(options())];
  });
  afterEach(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  it('does not take a migrated database for one that needs a baseline', async () => {
    // As the runner does: the migrations table exists (committed on its own) before the migrations run.
    await a.migrator.getExecuted();
    const connection = a.driver.getConnection() as AbstractSqlConnection;
    const migrating = await connection.begin();
    await connection.execute('create table users (id integer primary key)', [], 'run', migrating);
    await connection.execute(
      `insert into mikro_orm_migrations (name, executed_at) values ('Migration20261127041854_initial', current_timestamp)`,
      [],
      'run',
      migrating,
    );

    const getExecuted = b.migrator.getExecuted.bind(b.migrator);
    let reads = 0;
    b.migrator.getExecuted = async (...args) => {
      const executed = await getExecuted(...args);
      // A commits in the gap after B's first read.
      if (++reads === 1) await connection.commit(migrating);
      return executed;
    };

    expect(await needsBaseline(b)).toBe(false);
    expect(reads).toBe(2);
  });
});
