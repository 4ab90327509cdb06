import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { DriverException, MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { createOrmOptions } from '../../src/database/orm/orm-options.js';
import { toHttpError } from '../../src/http/http-error.filter.js';
import { freePort } from '../helpers/app-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The one switch over real error objects of the real drivers (issue 14, failures 2, 3, 8):
 * every failure of the database a client can meet is a precise status, never a 500, raw (as
 * `pg` raises them while a transaction is being opened) or wrapped by MikroORM.
 */
function expectStatus(error: unknown, status: number): void {
  const { body, headers } = toHttpError(error);
  expect({ status: body.statusCode, message: body.message }).toMatchObject({ status });
  // Every status here is temporary (503, 507): the client is told when to try again.
  expect(headers['Retry-After']).toMatch(/^\d+$/);
  // Nothing of the driver's text (paths, hosts, SQL) reaches the client.
  expect(body.message).not.toMatch(/sqlite|\/tmp|127\.0\.0\.1|select|insert/i);
}

async function caught(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('SQLite failures (better-sqlite3, and as MikroORM wraps them)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('disk full (SQLITE_FULL) is a 507', async () => {
    const orm = await MikroORM.init({
      driver: SqliteDriver,
      dbName: ':memory:',
      entities: [],
      discovery: { warnWhenNoEntities: false },
    });
    try {
      const connection = orm.em.getConnection();
      await connection.execute('create table filler (data blob)');
      const [{ page_count: pages }] = await connection.execute<{ page_count: number }[]>('pragma page_count');
      await connection.execute(`pragma max_page_count = ${pages + 2}`);
      const error = await caught(() => connection.execute('insert into filler values (zeroblob(1000000))'));
      expect((error as { code?: string }).code).toBe('SQLITE_FULL');
      expectStatus(error, 507);
    } finally {
      await orm.close(true);
    }
  });

  it('a read-only file (SQLITE_READONLY) and a lock held past busy_timeout (SQLITE_BUSY) are 503s', async () => {
    const file = join(dir.path, 'locked.sqlite3');
    const writer = new Database(file);
    writer.exec('create table t (x); begin immediate; insert into t values (1)');
    const other = new Database(file, { timeout: 0 });
    const busy = await caught(() => other.exec('insert into t values (2)'));
    expect((busy as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    expectStatus(busy, 503);
    expectStatus(new DriverException(busy as Error), 503);
    writer.exec('commit');
    const reader = new Database(file, { readonly: true });
    const readOnly = await caught(() => reader.exec('insert into t values (3)'));
    expect((readOnly as { code?: string }).code).toMatch(/^SQLITE_READONLY/);
    expectStatus(readOnly, 503);
    for (const handle of [writer, other, reader]) handle.close();
  });
});

describe('PostgreSQL client failures (pg, no server needed)', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  });
  const serve = async (onSocket: (socket: Socket) => void): Promise<number> => {
    const server = createServer((socket) => {
      sockets.push(socket);
      onSocket(socket);
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return (server.address() as { port: number }).port;
  };
  const connectError = (port: number, options: Record<string, unknown> = {}) =>
    caught(async () => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x', ...options });
      client.on('error', () => undefined);
      await client.connect();
    });

  it('a refused connection (ECONNREFUSED) is a 503', async () => {
    const error = await connectError(await freePort());
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expectStatus(error, 503);
    expectStatus(new DriverException(error as Error), 503);
  });

  it('a server that drops the connection ("Connection terminated unexpectedly") is a 503', async () => {
    const error = await connectError(await serve((socket) => socket.destroy()));
    expect((error as Error).message).toMatch(/Connection terminated unexpectedly/);
    expectStatus(error, 503);
  });

  it('a server that never answers (connection timeout) is a 503', async () => {
    const error = await connectError(await serve(() => undefined), { connectionTimeoutMillis: 200 });
    expect((error as Error).message).toMatch(/timeout/);
    expectStatus(error, 503);
  });

  it('server error codes pg raises as DatabaseError: 57P01/57P02/57P03/53300/25006/08006 are 503s, 53100 a 507', () => {
    for (const code of ['57P01', '57P02', '57P03', '53300', '25006', '08006', '08001', '57014']) {
      const error = Object.assign(new pg.DatabaseError(`server said ${code}`, 0, 'error'), { code });
      expectStatus(error, 503);
      expectStatus(new DriverException(error), 503);
    }
    const full = Object.assign(new pg.DatabaseError('could not extend file', 0, 'error'), { code: '53100' });
    expectStatus(full, 507);
  });
});

describe.skipIf(!process.env.TEST_POSTGRES_URL)('PostgreSQL server failures (a real server)', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(() => client.end().catch(() => undefined));

  it('statement_timeout (57014) and a read-only transaction (25006) are 503s', async () => {
    await client.query('set statement_timeout = 50');
    const timeout = await caught(() => client.query('select pg_sleep(2)'));
    expect((timeout as { code?: string }).code).toBe('57014');
    expectStatus(timeout, 503);
    await client.query('set statement_timeout = 0');
    const readOnly = await caught(() =>
      client.query('begin read only').then(() => client.query('create table faults_ro (x int)')),
    );
    await client.query('rollback');
    expect((readOnly as { code?: string }).code).toBe('25006');
    expectStatus(readOnly, 503);
  });

  it("a client's query_timeout ('Query read timeout') is a 503", async () => {
    const error = await caught(() => client.query({ text: 'select pg_sleep(1)', query_timeout: 50 } as never));
    expect((error as Error).message).toBe('Query read timeout');
    expectStatus(error, 503);
  });

  it('a terminated backend (57P01) is a 503', async () => {
    const victim = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    victim.on('error', () => undefined);
    await victim.connect();
    const error = await caught(() => victim.query('select pg_terminate_backend(pg_backend_pid())'));
    expect((error as { code?: string }).code).toBe('57P01');
    expectStatus(error, 503);
    const after = await caught(() => victim.query('select 1'));
    expect((after as Error).message).toMatch(/not queryable|terminated/);
    expectStatus(after, 503);
  });

  /**
   * A COMMIT whose connection is cut before its answer (here: the backend is terminated while a
   * deferred trigger runs at commit) cannot say whether it was applied: in a failover the commit
   * may have reached the promoted standby. The client is told so, not just "try again"; a COMMIT
   * the server refused is not in doubt.
   */
  it('a COMMIT cut off before its answer is a 503 that says the write may have been applied; one the server refused is not', async () => {
    // Both Vitest projects run this file at once against the same database.
    const table = `faults_commit_${process.pid}`;
    await client.query(`
      drop table if exists ${table};
      create table ${table} (x int);
      create or replace function ${table}_check() returns trigger language plpgsql as $$
      begin
        if new.x = 0 then raise exception 'x must not be 0' using errcode = '23514'; end if;
        perform pg_sleep(new.x);
        return null;
      end $$;
      create constraint trigger ${table}_at_commit after insert on ${table}
        deferrable initially deferred for each row execute function ${table}_check();`);
    const orm = await MikroORM.init({
      ...createOrmOptions({ database: parseDatabaseUrl(process.env.TEST_POSTGRES_URL!), entities: [] }),
      discovery: { warnWhenNoEntities: false },
    });
    try {
      const work = caught(() =>
        orm.em.fork().transactional((em) => (em as EntityManager).execute(`insert into ${table} values (5)`)),
      );
      // Terminate the backend once it sleeps inside the COMMIT's deferred trigger.
      for (let i = 0; i < 100; i++) {
        const { rows } = await client.query(
          "select pid from pg_stat_activity where query ilike 'commit%' and wait_event = 'PgSleep'",
        );
        if (rows.length > 0) {
          await client.query('select pg_terminate_backend($1)', [rows[0].pid]);
          break;
        }
        await new Promise((done) => setTimeout(done, 50));
      }
      const inDoubt = await work;
      expectStatus(inDoubt, 503);
      expect(toHttpError(inDoubt).body.message).toMatch(/may have been applied/);

      const refused = await caught(() =>
        orm.em.fork().transactional((em) => (em as EntityManager).execute(`insert into ${table} values (0)`)),
      );
      expect((refused as { code?: string }).code).toBe('23514');
      expect(toHttpError(refused).body.message).not.toMatch(/may have been applied/);
    } finally {
      await orm.close(true);
      await client.query(`drop table if exists ${table}; drop function if exists ${table}_check()`);
    }
  });
});
