import { setTimeout as sleep } from 'node:timers/promises';
import type { SqliteConnection } from '@mikro-orm/sqlite';
import type { EntityManager } from '@mikro-orm/sql';
import { Client } from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSql } from '../../src/sql/run-sql.js';
import { User } from '../../src/users/user.entity.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

/**
 * The database receives placeholders, never the values: read back from the database itself
 * (SQLite: the prepared statement's `source`; PostgreSQL: `pg_stat_activity.query`, the text
 * the server is running or last ran on each connection). Inlined values would show there.
 */
let t: TestApp;
beforeEach(async () => {
  t = await startApp();
});
afterEach(() => t.close());

const fork = () => t.orm.em.fork() as EntityManager;
const when = new Date('2026-05-04T03:02:01.234Z');
const marker = "bound-O'Brien?";

it('binds dates and booleans too, reading back what MikroORM stores', async () => {
  const em = fork();
  await runSql(em, 'insert into users (name, email, created_at, updated_at) values (?, ?, ?, ?)', [
    marker,
    'b@x.io',
    when,
    when,
  ]);
  const [row] = await runSql<{ id: number }>(em, 'select id from users where name = ? and created_at = ?', [
    marker,
    when,
  ]);
  const user = await fork().findOneOrFail(User, { id: row.id });
  expect(user.createdAt.toISOString()).toBe(when.toISOString());
  const [flags] = await runSql<{ yes: unknown; no: unknown }>(
    em,
    onPostgres ? 'select (? = true) as yes, (? = true) as no' : 'select (? = 1) as yes, (? = 1) as no',
    [true, false],
  );
  expect([flags.yes, flags.no].map(Boolean)).toEqual([true, false]);
});

/**
 * What the driver is handed for each statement of a request: the text, and the values sent beside
 * it. Every statement of a request carries the request's abort signal (orm/request-signal.ts); those
 * used to go down MikroORM's own path, which writes the values into the text.
 */
async function statementsOf(run: () => Promise<unknown>): Promise<{ text: string; values: unknown[] }[]> {
  const seen: { text: string; values: unknown[] }[] = [];
  if (onPostgres) {
    // Each pooled connection binds `query` when it connects (prepared-statements.ts), so the app
    // is restarted with the recorder in place.
    const original = Object.getOwnPropertyDescriptor(Client.prototype, 'query')!;
    const query = original.value as (this: Client, ...args: unknown[]) => unknown;
    let recording = false;
    Client.prototype.query = function (this: Client, config: unknown, values?: unknown, ...rest: unknown[]) {
      const c = config as { text?: string; values?: unknown[] } | string;
      const bound = Array.isArray(values) ? values : [];
      if (recording && typeof c === 'string') seen.push({ text: c, values: bound });
      else if (recording && typeof c === 'object' && c.text) seen.push({ text: c.text, values: c.values ?? bound });
      return query.call(this, config, values, ...rest);
    } as typeof Client.prototype.query;
    try {
      await t.close();
      t = await startApp();
      recording = true;
      await run();
    } finally {
      Object.defineProperty(Client.prototype, 'query', original);
    }
    return seen;
  }
  const db = await (t.orm.em.getConnection() as SqliteConnection).getNativeClient();
  const prepare = db.prepare.bind(db);
  db.prepare = ((text: string) => {
    const statement = prepare(text);
    // The values better-sqlite3 binds arrive with run/all/get; the text is the statement's source.
    // (Kysely passes them as one array.)
    const record = (values: unknown[]) =>
      seen.push({
        text: statement.source,
        values: values.length === 1 && Array.isArray(values[0]) ? values[0] : values,
      });
    return Object.assign(Object.create(statement) as typeof statement, {
      run: (...values: unknown[]) => (record(values), statement.run(...values)),
      all: (...values: unknown[]) => (record(values), statement.all(...values)),
      get: (...values: unknown[]) => (record(values), statement.get(...values)),
    });
  }) as typeof db.prepare;
  try {
    await run();
  } finally {
    db.prepare = prepare;
  }
  return seen;
}

it("binds the values of a request's own statements (which carry its abort signal): insert, update, list", async () => {
  const name = `req-O'Brien?`;
  const seen = await statementsOf(async () => {
    const { body } = await t.http.post('/users').send({ name, email: 'req@x.io' }).expect(201);
    await t.http.patch(`/users/${body.id}`).send({ email: 'req2@x.io' }).expect(200);
    await t.http.get('/users').query({ email: 'req2@x.io' }).expect(200);
  });
  const writes = seen.filter((s) => /^(insert into|update) .users./.test(s.text));
  expect(writes.map((s) => s.text)).toEqual([
    expect.stringMatching(/^insert into .users. \(.*\) values \((\?|\$1), (\?|\$2), (\?|\$3), (\?|\$4)\)/),
    // The version's raw `version + 1` is SQL, written into the text; every value is bound.
    expect.stringMatching(
      /^update .users. set .email. = (\?|\$1), .updated_at. = (\?|\$2), .version. = .version. \+ 1 where .id. = (\?|\$3) and .version. = (\?|\$4)/,
    ),
  ]);
  expect(writes[0].values).toEqual(expect.arrayContaining([name, 'req@x.io']));
  expect(writes[1].values).toEqual(expect.arrayContaining(['req2@x.io']));
  expect(seen.some((s) => /where .*email. = (\?|\$1)/.test(s.text) && s.values.includes('req2@x.io'))).toBe(true);
  expect(seen.map((s) => s.text).join('\n')).not.toMatch(/Brien|req2@x\.io|req@x\.io/);
});

describe.skipIf(onPostgres)('on SQLite', () => {
  it('prepares the text with `?` placeholders and binds the values, dates and booleans included', async () => {
    const db = await (t.orm.em.getConnection() as SqliteConnection).getNativeClient();
    const prepare = db.prepare.bind(db);
    const sources: string[] = [];
    db.prepare = ((text: string) => {
      const statement = prepare(text);
      sources.push(statement.source);
      return statement;
    }) as typeof db.prepare;
    try {
      const rows = await runSql(fork(), "select ? as d, ? as b, ? as s, 'literal' as l", [when, true, marker]);
      expect(rows).toEqual([{ d: +when, b: 1, s: marker, l: 'literal' }]);
    } finally {
      db.prepare = prepare;
    }
    expect(sources).toEqual(["select ? as d, ? as b, ? as s, 'literal' as l"]);
  });
});

describe.skipIf(!onPostgres)('on PostgreSQL', () => {
  let observer: Client | undefined;
  afterEach(async () => {
    await observer?.end();
    observer = undefined;
  });

  /** What the app's other connections to this database are running (or last ran), by state. */
  async function activity(state: 'active' | 'idle in transaction'): Promise<string[]> {
    if (!observer) {
      observer = new Client({ connectionString: t.databaseUrl });
      await observer.connect();
    }
    const { rows } = await observer.query<{ query: string }>(
      'select query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = $1',
      [state],
    );
    return rows.map((r) => r.query);
  }

  it('runs runSql as `$n` placeholders with the values bound, seen in pg_stat_activity while it runs', async () => {
    const sql = 'select pg_sleep(?), ?::timestamptz as d, ?::boolean as b, ?::text as s';
    const running = runSql<{ d: string; b: boolean; s: string }>(fork(), sql, [0.5, when, true, marker]);
    let seen: string[] = [];
    for (let tries = 0; tries < 200 && !seen.some((q) => q.includes('pg_sleep')); tries++) {
      seen = await activity('active');
      await sleep(5);
    }
    const [row] = await running;
    expect(seen).toContain('select pg_sleep($1), $2::timestamptz as d, $3::boolean as b, $4::text as s');
    expect(row).toMatchObject({ b: true, s: marker });
    // MikroORM's PostgreSQL type parsers hand timestamps over as text.
    expect(new Date(row.d).toISOString()).toBe(when.toISOString());
  });

  it('sends the ORM’s insert, select, update and list with bound parameters, as named prepared statements', async () => {
    const last: string[] = [];
    // Inside one transaction every statement runs on one connection, which then waits idle in
    // the transaction: pg_stat_activity shows the statement it ran last.
    const lastStatement = async () => {
      const [query] = await activity('idle in transaction');
      last.push(query);
    };
    const prepared = await fork().transactional(async (em) => {
      const user = new User(marker, 'orm@x.io');
      await em.persist(user).flush();
      await lastStatement();
      em.clear();
      const found = await em.findOneOrFail(User, { name: marker });
      await lastStatement();
      found.email = 'changed@x.io';
      await em.flush();
      await lastStatement();
      await em.find(User, { id: { $gt: 0 } }, { orderBy: { id: 'asc' }, limit: 5 });
      await lastStatement();
      return runSql<{ statement: string }>(em, 'select statement from pg_prepared_statements');
    });
    expect(last).toEqual([
      expect.stringMatching(/^insert into "users" \(.*\) values \(\$1, \$2, \$3, \$4\)/),
      expect.stringMatching(/^select .* from "users" as "u0" where "u0"\."name" = \$1 limit \$2$/),
      // The optimistic lock's version check rides in the same statement (issue 15).
      expect.stringMatching(
        /^update "users" set "email" = \$1, "updated_at" = \$2, "version" = "version" \+ 1 where "id" = \$3 and "version" = \$4 returning "version"$/,
      ),
      expect.stringMatching(
        /^select .* from "users" as "u0" where "u0"\."id" > \$1 order by "u0"\."id" asc limit \$2$/,
      ),
    ]);
    expect(last.join('\n')).not.toContain('Brien');
    expect(prepared.map((p) => p.statement)).toEqual(expect.arrayContaining(last));
  });

  it('keeps the values bound but prepares nothing with DB_PREPARED_STATEMENTS=0', async () => {
    await t.close();
    t = await startApp({ env: { DB_PREPARED_STATEMENTS: '0' } });
    await t.http.post('/users').send({ name: 'ann', email: 'ann@x.io' }).expect(201);
    const { prepared, last } = await fork().transactional(async (em) => {
      await em.findOneOrFail(User, { name: 'ann' });
      const [query] = await activity('idle in transaction');
      return {
        last: query,
        prepared: await runSql(em, 'select name from pg_prepared_statements where statement like ?', ['%users%']),
      };
    });
    expect(last).toMatch(/ where "u0"\."name" = \$1 limit \$2$/);
    expect(prepared).toEqual([]);
  });
});
