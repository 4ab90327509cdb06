import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { CompiledQuery } from 'kysely';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appOrmOptions } from '../../src/app-orm.js';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { runUntilExit, startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-database.js';

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>) };
}

/** Room for startPgBouncer to install Debian's package on a fresh machine. */
const INSTALL_TIMEOUT_MS = 180_000;

/** The last path segment of a database URL: its name. */
const databaseName = (url: string) => new URL(url).pathname.slice(1);

/**
 * The service behind a real PgBouncer (Debian's 1.18) in transaction pool mode, the set-up the
 * README recommends for many instances: migrations through it, the users API through it with
 * DB_PREPARED_STATEMENTS=0, and what named prepared statements do there.
 */
describe.skipIf(!onPostgres)('through PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  let db: TestDatabase;
  let apps: RunningApp[] = [];

  beforeAll(async () => {
    bouncer = await startPgBouncer();
    db = await createTestDatabase();
  }, INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await db?.drop();
    await bouncer?.stop();
  });

  it('migrates one fresh database exactly once from two processes started together with DB_MIGRATE=1', async () => {
    const env = {
      NODE_ENV: 'production',
      ALLOW_ANONYMOUS: '1',
      DB_MIGRATE: '1',
      DB_PREPARED_STATEMENTS: '0',
      DATABASE_URL: bouncer.url(databaseName(db.url)),
    };
    apps = await Promise.all([startAppProcess(env), startAppProcess(env)]);
    const direct = new Client({ connectionString: db.url });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ name: string }>('select name from mikro_orm_migrations order by id');
      const names = rows.map((row) => row.name);
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(names.toSorted());
    } finally {
      await direct.end();
    }
    const said = apps.flatMap((app) => app.stdout).join('\n');
    expect(said).toMatch(/\d+ migration\(s\) applied/);
    expect(said).toContain('database is up to date');
  });

  it('serves the users flow with DB_PREPARED_STATEMENTS=0: create, get, patch, list, duplicate, delete', async () => {
    const [a, b] = apps.map((app) => app.url);
    const created = await call(a, 'POST', '/users', { name: 'ann', email: 'ann@x.io' });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    expect((await call(b, 'GET', `/users/${id}`)).body).toMatchObject({ id, name: 'ann', email: 'ann@x.io' });
    expect((await call(b, 'PATCH', `/users/${id}`, { name: 'anna' })).body).toMatchObject({ name: 'anna' });
    expect((await call(a, 'GET', `/users/${id}`)).body).toMatchObject({ name: 'anna' });
    const list = await call(a, 'GET', '/users?limit=10');
    expect(list.status).toBe(200);
    expect((list.body.items as { id: number }[]).map((u) => u.id)).toEqual([id]);
    const duplicate = await call(b, 'POST', '/users', { name: 'bob', email: 'ANN@x.io' });
    expect(duplicate).toMatchObject({ status: 409, body: { field: 'email' } });
    // Many requests at once, more than PgBouncer's server connections: every one succeeds.
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => call(i % 2 ? a : b, 'GET', `/users/${id}`)));
    expect(burst.map((r) => r.status)).toEqual(burst.map(() => 200));
    expect((await call(a, 'DELETE', `/users/${id}`)).status).toBe(204);
    expect((await call(b, 'GET', `/users/${id}`)).status).toBe(404);
  });
});

/** The same statement on both client connections. */
function sameStatementOnTwoClientConnections(orm: MikroORM): Promise<unknown> {
  const kysely = (orm.em.getConnection() as AbstractSqlConnection).getClient();
  const statement = CompiledQuery.raw('select $1::int as n', [1]);
  return kysely.connection().execute(async (held) => {
    await held.executeQuery(CompiledQuery.raw('select 1'));
    // `held` is checked out, so this runs on the pool's second client connection.
    await kysely.executeQuery(statement);
    return (await held.executeQuery(statement)).rows;
  });
}

/**
 * What named prepared statements (DB_PREPARED_STATEMENTS=1) do through PgBouncer 1.18 in
 * transaction mode, made deterministic with one server connection: a statement one client
 * connection prepared lives on the server connection, which PgBouncer then hands to another
 * client connection whose `pg` client prepares the same name again, and PostgreSQL refuses.
 * The error says what to set, and the pool stops naming statements, so the same steps succeed
 * from then on; with DB_PREPARED_STATEMENTS=0 they succeed from the start.
 */
describe.skipIf(!onPostgres)('named prepared statements through PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  let db: TestDatabase;
  beforeAll(async () => {
    bouncer = await startPgBouncer({ poolSize: 1 });
    db = await createTestDatabase();
  }, INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await db?.drop();
    await bouncer?.stop();
  });

  /** An ORM on PgBouncer whose pool has two client connections, which share PgBouncer's one server connection. */
  function ormThroughBouncer(preparedStatements: boolean): Promise<MikroORM> {
    return MikroORM.init(
      appOrmOptions({
        database: parseDatabaseUrl(bouncer.url(databaseName(db.url))),
        pool: { max: 2, acquireTimeoutMs: 5000 },
        preparedStatements,
      }),
    );
  }

  it('fails once with a line naming DB_PREPARED_STATEMENTS=0 when they are on, then runs unnamed', async () => {
    const orm = await ormThroughBouncer(true);
    try {
      await expect(sameStatementOnTwoClientConnections(orm)).rejects.toThrow(
        /prepared statement "users_service_\d+" already exists.*set DB_PREPARED_STATEMENTS=0/,
      );
      expect(await sameStatementOnTwoClientConnections(orm)).toEqual([{ n: 1 }]);
      expect(await sameStatementOnTwoClientConnections(orm)).toEqual([{ n: 1 }]);
    } finally {
      await orm.close(true);
    }
  });

  it('with DB_MIGRATE=1 behind a pool of one server connection, stops the start with a line saying so', async () => {
    // The migration's locked transaction holds the one server connection; MikroORM makes its
    // migrations table on a second, which PgBouncer cannot serve until the statement times out.
    const exit = await runUntilExit({
      NODE_ENV: 'production',
      ALLOW_ANONYMOUS: '1',
      DB_MIGRATE: '1',
      DB_PREPARED_STATEMENTS: '0',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DATABASE_URL: bouncer.url(databaseName(db.url)),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim()).toBe(
      'users-service: migrations timed out (Query read timeout): behind PgBouncer they need a pool of at least 2 server connections ' +
        '(one holds the locked transaction, the migrations table is made beside it), or run them against PostgreSQL directly',
    );
  });

  it('works with DB_PREPARED_STATEMENTS=0', async () => {
    const orm = await ormThroughBouncer(false);
    try {
      expect(await sameStatementOnTwoClientConnections(orm)).toEqual([{ n: 1 }]);
    } finally {
      await orm.close(true);
    }
  });

  it('the service, left with named statements on behind it, answers 503 with Retry-After, never 500, and then serves', async () => {
    // Three server connections (the app does not start on one), so named statements still collide.
    const wide = await startPgBouncer({ poolSize: 3 });
    const app = await startAppProcess({
      NODE_ENV: 'production',
      ALLOW_ANONYMOUS: '1',
      DB_MIGRATE: '1',
      DATABASE_URL: wide.url(databaseName(db.url)),
    }).catch(async (error: unknown) => {
      await wide.stop();
      throw error;
    });
    try {
      const round = async (r: number) => {
        const results = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const res = await fetch(`${app.url}/users`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: `named${r}-${i}`, email: `named${r}-${i}@x.io` }),
            });
            return { status: res.status, retryAfter: res.headers.get('retry-after') };
          }),
        );
        return results;
      };
      const first = [...(await round(1)), ...(await round(2))];
      expect(first.every((r) => r.status === 201 || (r.status === 503 && r.retryAfter !== null))).toBe(true);
      const later = [...(await round(3)), ...(await round(4))];
      expect(later.map((r) => r.status)).toEqual(later.map(() => 201));
      const warnings = app.stdout.filter((line) => line.includes('named prepared statements failed'));
      // One warning when a collision happened (one did in each of 3 runs here: 1-2 of the first 20 requests).
      expect(warnings).toHaveLength(first.some((r) => r.status === 503) ? 1 : 0);
    } finally {
      await app.stop();
      await wide.stop();
    }
  });
});
