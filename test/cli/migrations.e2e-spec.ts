import { readdirSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.schema.js';
import { migrationsSourceDir } from '../../src/database/migrations/migration-options.js';
import { appOrmOptions } from '../../src/app-orm.js';
import { cli } from '../helpers/cli-run.js';
import { startApp } from '../helpers/test-app.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

// Runs in both projects: the shipped migrations of each dialect on a real empty database.
let db: TestDatabase;
beforeEach(async () => (db = await createTestDatabase()));
afterEach(() => db.drop());

const dialect = testDbKind === 'postgres' ? 'postgresql' : 'sqlite';
const shipped = readdirSync(migrationsSourceDir(dialect))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .toSorted();

/** What schema:update would still change on this database; empty when it matches the entities. */
async function schemaDrift(url: string): Promise<string> {
  const orm = await MikroORM.init(appOrmOptions({ database: loadConfig({ DATABASE_URL: url }).database }));
  try {
    return (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
  } finally {
    await orm.close();
  }
}

describe(`migrations on ${testDbKind}`, () => {
  it("builds exactly the entities' schema from an empty database, and tears it down again", async () => {
    expect(shipped.length).toBeGreaterThan(0);
    const before = await cli(['migration:list'], db.url);
    expect(before.stdout).toContain(`0 applied, ${shipped.length} pending`);

    const up = await cli(['migration:up'], db.url);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    for (const name of shipped) expect(up.stdout).toContain(`applied ${name}`);
    expect(await schemaDrift(db.url)).toBe('');
    expect((await cli(['migration:list'], db.url)).stdout).toContain(`${shipped.length} applied, 0 pending`);
    expect((await cli(['migration:up'], db.url)).stdout).toContain('no pending migrations');

    const down = await cli(['migration:down', '--yes', '--to', '0'], db.url);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`${shipped.length} migration(s) reverted`);
    expect(await schemaDrift(db.url)).toMatch(/create table/i);
    expect((await cli(['migration:list'], db.url)).stdout).toContain(`0 applied, ${shipped.length} pending`);
  });

  it('gives a migrated database the constraints the API relies on', async () => {
    expect((await cli(['migration:up'], db.url)).code).toBe(0);
    // Production mode: the app refuses a database that is behind, so starting proves it is not.
    const t = await startApp({ db: db.url, env: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1' } });
    try {
      await t.http.post('/users').send({ name: 'ann', email: 'ann@example.org' }).expect(201);
      expect((await t.http.post('/users').send({ name: 'ann', email: 'x@example.org' }).expect(409)).body.field).toBe(
        'name',
      );
      expect((await t.http.post('/users').send({ name: 'bob', email: 'ANN@example.org' }).expect(409)).body.field).toBe(
        'email',
      );
    } finally {
      await t.close();
    }
  });

  it('refuses to start in production while migrations are pending, naming the command', async () => {
    await expect(startApp({ db: db.url, env: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1' } })).rejects.toThrow(
      /behind its migrations \(\d+ pending: .*\); run `npm run migration:up` first, or start with DB_MIGRATE=1/,
    );
  });

  it('applies pending migrations before serving when DB_MIGRATE=1', async () => {
    const t = await startApp({ db: db.url, env: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1' } });
    try {
      await t.http.post('/users').send({ name: 'ann', email: 'ann@example.org' }).expect(201);
    } finally {
      await t.close();
    }
    expect((await cli(['migration:list'], db.url)).stdout).toContain(`${shipped.length} applied, 0 pending`);
  });

  it('keeps schema:create, schema:update and schema:drop working', async () => {
    expect((await cli(['schema:create'], db.url)).stdout).toContain('schema created: users');
    expect((await cli(['schema:update'], db.url)).stdout).toContain('schema is up to date');
    expect(await schemaDrift(db.url)).toBe('');
    expect((await cli(['schema:drop', '--yes'], db.url)).stdout).toContain('schema dropped: users');
    // A dropped database is empty again: the migrations rebuild it.
    expect((await cli(['migration:up'], db.url)).code).toBe(0);
    expect(await schemaDrift(db.url)).toBe('');
  });
});
