import { join } from 'node:path';
import { inject } from 'vitest';
import { postgresUrlFor, quoteIdent, withPostgresAdmin } from './postgres-admin.js';
import { tempDir } from './temp-dir.js';

/** Which database the current Vitest project runs the specs on. */
export type TestDbKind = 'sqlite' | 'postgres';

export const testDbKind: TestDbKind = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** For `describe.skipIf(onPostgres)` on specs that are about SQLite itself (pragmas, files). */
export const onPostgres = testDbKind === 'postgres';

export interface TestDatabase {
  /** `DATABASE_URL` of the fresh, empty database. */
  url: string;
  /** Removes the database (file or PostgreSQL database) and everything in it. */
  drop(): Promise<void>;
}

let created = 0;

/**
 * A fresh empty database of the project's kind: a temp SQLite file, or a new PostgreSQL database
 * on TEST_POSTGRES_URL's server named `<run prefix><pid>_<n>`, so spec files running in parallel
 * never see each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDbKind === 'sqlite') {
    const dir = tempDir();
    return { url: `sqlite:${join(dir.path, 'test.sqlite3')}`, drop: async () => dir.remove() };
  }
  const name = `${inject('pgDatabasePrefix')}${process.pid}_${++created}`;
  await withPostgresAdmin((connection) => connection.execute(`create database ${quoteIdent(name)}`));
  return {
    url: postgresUrlFor(name),
    drop: () =>
      withPostgresAdmin((c) => c.execute(`drop database if exists ${quoteIdent(name)} with (force)`)).then(
        () => undefined,
      ),
  };
}
