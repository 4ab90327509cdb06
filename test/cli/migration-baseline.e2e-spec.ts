import { MikroORM } from '@mikro-orm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appOrmOptions } from '../../src/app-orm.js';
import { loadConfig } from '../../src/config/env.schema.js';
import { cli } from '../helpers/cli-run.js';
import { startApp } from '../helpers/test-app.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

// Both projects: a database whose schema was made without migrations, moved onto them.
let db: TestDatabase;
beforeEach(async () => (db = await createTestDatabase()));
afterEach(() => db.drop());

/** Plain SQL on the database, outside the CLI (to bend a schema or read the bookkeeping). */
async function sql(statement: string): Promise<unknown[]> {
  const orm = await MikroORM.init(appOrmOptions({ database: loadConfig({ DATABASE_URL: db.url }).database }));
  try {
    return await orm.em.fork().getConnection().execute(statement);
  } finally {
    await orm.close();
  }
}

const recorded = async () => ((await sql('select name from mikro_orm_migrations')) as { name: string }[]).length;

describe(`migration:baseline on ${testDbKind}`, () => {
  it('moves a schema:create database onto migrations instead of failing on "table users already exists"', async () => {
    expect((await cli(['schema:create'], db.url)).code).toBe(0);
    await sql(`insert into users (name, email, created_at, updated_at) values ('keep', 'keep@x', ${now()}, ${now()})`);

    const up = await cli(['migration:up'], db.url);
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/no migration is recorded .*run `npm run migration:baseline`/);
    expect(up.stderr).not.toMatch(/already exists/);

    const baseline = await cli(['migration:baseline'], db.url);
    expect(baseline).toMatchObject({ code: 0, stderr: '' });
    const recordedNames = baseline.stdout.match(/recorded (Migration\w+)/g) ?? [];
    expect(recordedNames.length).toBeGreaterThan(1);
    expect(baseline.stdout).toContain(`${recordedNames.length} recorded as applied`);
    expect((await cli(['migration:list'], db.url)).stdout).toContain(`${recordedNames.length} applied, 0 pending`);
    expect((await cli(['migration:up'], db.url)).stdout).toContain('no pending migrations');
    expect((await cli(['migration:baseline'], db.url)).stdout).toMatch(/already on migrations .*nothing changed/);
    // The data stayed, and production (which refuses a database behind its migrations) serves it.
    const app = await startApp({ db: db.url, env: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1' } });
    try {
      expect((await app.http.get('/users?name=keep').expect(200)).body.total).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('baselines the schema a development first start created, and the start-up gate names the command until then', async () => {
    const dev = await startApp({ db: db.url });
    await dev.close();
    await expect(
      startApp({ db: db.url, env: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1' } }),
    ).rejects.toThrow(/no migration is recorded .*npm run migration:baseline/);
    expect((await cli(['migration:baseline'], db.url)).code).toBe(0);
    const prod = await startApp({ db: db.url, env: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1' } });
    await prod.close();
  });

  it('refuses, recording nothing, when the live schema differs from what the migrations build', async () => {
    expect((await cli(['schema:create'], db.url)).code).toBe(0);
    await sql('create index users_extra_index on users (created_at)');
    const result = await cli(['migration:baseline'], db.url);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/refused: the live schema differs .*users_extra_index.*nothing recorded/);
    expect(await recorded()).toBe(0);
  });

  it('refuses an empty database and a half-migrated one, naming migration:up', async () => {
    const empty = await cli(['migration:baseline'], db.url);
    expect(empty).toMatchObject({ code: 1, stdout: '' });
    expect(empty.stderr).toMatch(/no tables: run `npm run migration:up`/);

    const names = (await cli(['migration:list'], db.url)).stdout.match(/Migration\w+/g)!;
    const first = names[0];
    expect((await cli(['migration:up', '--to', first], db.url)).code).toBe(0);
    const half = await cli(['migration:baseline'], db.url);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain(
      `1 migration(s) are recorded already and ${names.length - 1} pending: run \`npm run migration:up\``,
    );
    expect(await recorded()).toBe(1);
  });
});

/** A timestamp literal both dialects store in the datetime columns. */
function now(): string {
  return testDbKind === 'postgres' ? 'now()' : String(Date.now());
}
