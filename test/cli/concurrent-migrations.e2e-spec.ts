import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { applyPendingMigrations, pendingMigrations } from '../../src/database/migrations/migration-runner.js';
import { appOrmOptions } from '../../src/app-orm.js';
import { createTestDatabase, onPostgres } from '../helpers/test-database.js';
import { tempDir } from '../helpers/test-app.js';

const dir = tempDir();
afterAll(() => dir.remove());

/**
 * Regression: two processes starting with DB_MIGRATE=1 on one SQLite file raced, and the loser's
 * write got SQLITE_BUSY at once (SQLite does not wait where waiting could deadlock), so it exited
 * with "database is locked". Here two ORMs (two connections, as two processes have) migrate the
 * same fresh file at the same time.
 */
describe.skipIf(onPostgres)('DB_MIGRATE=1 from two processes on one SQLite file', () => {
  it.each([1, 2, 3, 4, 5])('both finish and every migration is applied once (round %i)', async (round) => {
    const file = join(dir.path, `race-${round}.sqlite3`);
    const options = appOrmOptions({ database: parseDatabaseUrl(`sqlite:${file}`) });
    const [a, b] = await Promise.all([MikroORM.init(options), MikroORM.init(options)]);
    try {
      const [appliedA, appliedB] = await Promise.all([applyPendingMigrations(a), applyPendingMigrations(b)]);
      expect(await pendingMigrations(a)).toEqual([]);
      const names = [...appliedA, ...appliedB].map((m) => m.name);
      expect(new Set(names).size).toBe(names.length); // nothing applied twice
      const rows = await a.driver
        .getConnection()
        .execute<{ n: number }[]>('select count(*) as n from mikro_orm_migrations');
      expect(Number(rows[0].n)).toBe((await a.migrator.getExecuted()).length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

/**
 * On PostgreSQL the migration transaction takes `pg_advisory_xact_lock` first: two ORMs (two
 * pools, as two processes have) migrating one fresh database serialise, and the second finds
 * nothing left to apply.
 */
describe.skipIf(!onPostgres)('DB_MIGRATE=1 from two processes on one PostgreSQL database', () => {
  it.each([1, 2, 3])('applies every migration exactly once (round %i)', async () => {
    const db = await createTestDatabase();
    const options = appOrmOptions({ database: parseDatabaseUrl(db.url) });
    const [a, b] = await Promise.all([MikroORM.init(options), MikroORM.init(options)]);
    try {
      const [appliedA, appliedB] = await Promise.all([applyPendingMigrations(a), applyPendingMigrations(b)]);
      const names = [...appliedA, ...appliedB].map((m) => m.name);
      expect(names.toSorted()).toEqual((await a.migrator.getExecuted()).map((m) => m.name).toSorted());
      expect([appliedA.length, appliedB.length].toSorted((x, y) => x - y)).toEqual([0, names.length]);
      expect(await pendingMigrations(b)).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await db.drop();
    }
  });
});
