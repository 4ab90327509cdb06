import { inOwnContext } from '../../src/database/orm/own-context.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/observability/http-request-figures.js';
import { currentDbStats, recordStatement } from '../../src/observability/request-db-stats.js';
import { UsersService } from '../../src/users/users.service.js';
import { recordStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The request log entries the app wrote (LOG_FORMAT=json), by request id. */
function entryOf(app: TestApp, requestId: string): RequestLogEntry {
  const entries = app.requestLines().filter((e) => e.requestId === requestId);
  expect(entries).toHaveLength(1);
  return entries[0];
}

async function seed(app: TestApp): Promise<{ ann: number; bob: number }> {
  const ann = (await app.http.post('/users').send({ name: 'ann', email: 'ann@example.com' }).expect(201)).body
    .id as number;
  const bob = (await app.http.post('/users').send({ name: 'bob', email: 'bob@example.com' }).expect(201)).body
    .id as number;
  for (const [author, title] of [
    [ann, 'a1'],
    [bob, 'b1'],
    [ann, 'a2'],
  ] as const) {
    await app.http.post(`/users/${author}/posts`).send({ title, body: '.' }).expect(201);
  }
  return { ann, bob };
}

describe('the request log line', () => {
  it('carries the statements the ORM ran for the request and the entities its identity map held', async () => {
    t = await startApp({ env: { LOG_FORMAT: 'json' } });
    const app = t;
    const { ann } = await seed(app);
    const cases: [string, () => PromiseLike<unknown>, number, number][] = [
      // id, request, statements, entities (3 posts + their 2 authors, one User per author)
      ['posts', () => app.http.get('/posts?perPage=10').set('X-Request-Id', 'posts').expect(200), 2, 5],
      ['one', () => app.http.get(`/users/${ann}`).set('X-Request-Id', 'one').expect(200), 1, 1],
      [
        'create',
        () => app.http.post('/users').set('X-Request-Id', 'create').send({ name: 'cid', email: 'c@x' }).expect(201),
        3,
        1,
      ],
      ['missing', () => app.http.get('/users/999').set('X-Request-Id', 'missing').expect(404), 1, 0],
      ['no-route', () => app.http.get('/nowhere').set('X-Request-Id', 'no-route').expect(404), 0, 0],
    ];
    for (const [id, call, statements, entities] of cases) {
      const seen = await recordStatements(call);
      expect(seen.statements).toHaveLength(statements);
      expect(entryOf(app, id)).toMatchObject({ dbStatements: statements, dbEntities: entities });
    }
    expect(entryOf(app, 'missing').route).toBe('/users/:id');
    expect(entryOf(app, 'no-route').route).toBe('unmatched');
  });

  it('counts whatever opened the request context, and statements reported by hand (native driver calls)', async () => {
    t = await startApp();
    const { ann } = await seed(t);
    const users = t.app.get(UsersService);
    // A context opened outside HTTP (a CLI command, a REPL line) counts the same way.
    await inOwnContext(t.orm, async () => {
      await users.get(ann);
      await users.get(ann); // answered by the identity map: no statement
      expect(currentDbStats()).toMatchObject({ statements: 1 });
      expect(currentDbStats()!.entities()).toBe(1);
      recordStatement('select * from users where id = ?');
      expect(currentDbStats()!.statements).toBe(2);
    });
    expect(currentDbStats()).toBeUndefined();
  });
});

describe('X-DB-Statements and X-DB-Entities', () => {
  it('come with every response when DB_DEBUG=1, errors included', async () => {
    t = await startApp({ env: { DB_DEBUG: '1' } });
    await seed(t);
    const page = await t.http.get('/posts?perPage=2').expect(200);
    expect(page.headers['x-db-statements']).toBe('2');
    expect(page.headers['x-db-entities']).toBe('4'); // a2 and b1, with ann and bob
    const missing = await t.http.get('/users/999').expect(404);
    expect([missing.headers['x-db-statements'], missing.headers['x-db-entities']]).toEqual(['1', '0']);
  });

  it.each([
    ['without DB_DEBUG', {}],
    [
      'in production, even with DB_DEBUG=1',
      { NODE_ENV: 'production', DB_DEBUG: '1', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1' },
    ],
  ])('are never sent %s', async (_case, env) => {
    t = await startApp({ env });
    const res = await t.http.get('/users').expect(200);
    expect(res.headers['x-db-statements']).toBeUndefined();
    expect(res.headers['x-db-entities']).toBeUndefined();
  });
});

describe('DB_STATEMENT_BUDGET', () => {
  // GET /users runs 2 statements (the page, the count), so a budget of 1 is exceeded.
  it('in the test suite, turns a request over the budget into a 500 naming route and count', async () => {
    t = await startApp({ env: { DB_STATEMENT_BUDGET: '1' } });
    await t.http.get('/users/1').expect(404); // 1 statement: within
    const res = await t.http.get('/users?name=ann').expect(500);
    expect(res.body.message).toBe('GET /users ran 2 SQL statements, over DB_STATEMENT_BUDGET=1');
  });

  it('elsewhere, logs one warning naming route, count and the first statements without their values', async () => {
    t = await startApp({ env: { NODE_ENV: 'development', DB_DEBUG: '1', DB_STATEMENT_BUDGET: '1' } });
    await t.http.get('/users/1').expect(404);
    await t.http.get('/users?name=ann&perPage=7').expect(200);
    const warnings = (await t.logged((r) => r.context === 'HTTP' && r.level === 'warn')).map((r) => String(r.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^GET \/users ran 2 SQL statements, over DB_STATEMENT_BUDGET=1; first 2: select .* \| select .*$/,
    );
    // The SQL log (DB_DEBUG) had the values inlined; the warning does not.
    expect(t.logs.some((r) => /'ann'/.test(String(r.msg)) && /\b7\b/.test(String(r.msg)))).toBe(true);
    expect(warnings[0]).not.toMatch(/ann|\b7\b/);
    expect(warnings[0]).toMatch(/= \? /);
  });

  it('is off at 0', async () => {
    t = await startApp({ env: { DB_STATEMENT_BUDGET: '0' } });
    await t.http.post('/users').send({ name: 'ann', email: 'ann@example.com' }).expect(201);
    expect(t.logs.filter((r) => r.level === 'warn')).toEqual([]);
  });
});
