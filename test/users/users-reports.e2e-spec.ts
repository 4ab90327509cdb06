import type { EntityManager } from '@mikro-orm/sql';
import type { Response } from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportUsers } from '../../src/sql/export.js';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/** SQL statements of the report routes. Change a number only on purpose. */
const STATEMENTS = {
  /** the two counts in one statement, the top domains */
  'GET /users/stats': 2,
  /** one keyset batch of up to EXPORT_BATCH (250) rows */
  'GET /users/export (2 users)': 1,
  /** 80 full batches of 250, then the empty one that ends the export */
  'GET /users/export (20 000 users)': 81,
};

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

async function bulk(emails: string[]): Promise<number[]> {
  const items = emails.map((email, i) => ({ name: `u${i}-${email}`.slice(0, 50), email }));
  const res = await t.http.post('/users/bulk').send(items).expect(201);
  return res.body.ids as number[];
}

describe('GET /users/stats', () => {
  it('answers zeros on an empty database (and is not taken for /users/:id)', async () => {
    const res = await t.http.get('/users/stats').expect(200);
    expect(res.body).toEqual({ users: 0, posts: 0, topEmailDomains: [] });
  });

  it('counts users and posts and ranks the top 10 e-mail domains, ties by domain', async () => {
    // 12 domains: c.io ×4, a-b.com ×3, ab.com ×3, then nine with one user each.
    const emails = ['x@c.io', 'y@c.io', 'z@c.io', 'w@c.io', 'p@ab.com', 'q@ab.com', 'r@ab.com'];
    emails.push('p@a-b.com', 'q@a-b.com', 'r@a-b.com');
    for (const d of ['k.org', 'j.org', 'i.org', 'h.org', 'g.org', 'f.org', 'e.org', 'd.org', 'localhost'])
      emails.push(`m@${d}`);
    const [first] = await bulk(emails);
    await t.http.post(`/users/${first}/posts`).send({ title: 't', body: 'b' }).expect(201);
    await t.http.post(`/users/${first}/posts`).send({ title: 't', body: 'b' }).expect(201);
    const res = await expectStatements(() => t.http.get('/users/stats').expect(200), STATEMENTS['GET /users/stats']);
    expect(res.body).toEqual({
      users: 19,
      posts: 2,
      topEmailDomains: [
        { domain: 'c.io', users: 4 },
        { domain: 'a-b.com', users: 3 },
        { domain: 'ab.com', users: 3 },
        { domain: 'd.org', users: 1 },
        { domain: 'e.org', users: 1 },
        { domain: 'f.org', users: 1 },
        { domain: 'g.org', users: 1 },
        { domain: 'h.org', users: 1 },
        { domain: 'i.org', users: 1 },
        { domain: 'j.org', users: 1 },
      ],
    });
  });
});

describe('GET /users/export', () => {
  it('streams every user as NDJSON in id order', async () => {
    await t.http.post('/users').send({ name: 'admin', email: 'Admin@Localhost' }).expect(201);
    await t.http.post('/users').send({ name: 'bob', email: 'bob@x.org' }).expect(201);
    const created = (await t.http.get('/users/1').expect(200)).body;
    const res = await expectStatements(
      () => t.http.get('/users/export').buffer(true).parse(text).expect(200),
      STATEMENTS['GET /users/export (2 users)'],
    );
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    const lines = (res.body as string).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual([
      created,
      { id: 2, name: 'bob', email: 'bob@x.org', createdAt: expect.any(String), updatedAt: expect.any(String) },
    ]);
  });

  it('answers an empty body for no users', async () => {
    const res = await t.http.get('/users/export').buffer(true).parse(text).expect(200);
    expect(res.body).toBe('');
  });

  it('exports 20 000 users, each once, in id order', async () => {
    for (let batch = 0; batch < 20; batch++) {
      await bulk(Array.from({ length: 1000 }, (_, i) => `user${batch * 1000 + i}@example.com`));
    }
    const res = await expectStatements(
      () => t.http.get('/users/export').buffer(true).parse(text).expect(200),
      STATEMENTS['GET /users/export (20 000 users)'],
    );
    const ids = (res.body as string)
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids).toHaveLength(20_000);
    expect(ids).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
  });

  it('holds no connection between batches: other requests proceed while an export is paused', async () => {
    await bulk(Array.from({ length: 5 }, (_, i) => `u${i}@example.com`));
    const rows = exportUsers(t.orm.em.fork() as EntityManager, 2);
    expect((await rows.next()).value).toMatchObject({ id: 1 });
    // On SQLite a server-side cursor would hold the app's only connection here, and this write
    // would wait for the export forever.
    await t.http.post('/users').send({ name: 'late', email: 'late@example.com' }).expect(201);
    const rest = [];
    for await (const row of rows) rest.push(row.id);
    expect(rest).toEqual([2, 3, 4, 5, 6]);
  });
});

/** Collects a response body as text whatever its content type. */
function text(res: Response, done: (err: Error | null, body: string) => void): void {
  // In Node, superagent hands the parser the raw IncomingMessage.
  const stream = res as unknown as NodeJS.ReadableStream;
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (body += chunk));
  stream.on('end', () => done(null, body));
}
