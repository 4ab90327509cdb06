import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Record<string, unknown> };
}

/**
 * Two real app processes on one database, each with its own identity maps and connections: only
 * the version check in the UPDATE statement can tell them apart, so of two PATCHes carrying the
 * same ETag, one through each instance, exactly one may win.
 */
describe(`If-Match across two app instances on one ${testDbKind} database`, () => {
  let db: TestDatabase;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1', DATABASE_URL: db.url };
    [a, b] = await Promise.all([startAppProcess(env), startAppProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('two concurrent PATCHes with the same ETag, one per instance: exactly one 200 and one 412, every round', async () => {
    for (let round = 0; round < 15; round++) {
      const created = await call(a.url, 'POST', '/users', { name: `r${round}`, email: `r${round}@example.org` });
      const id = created.body.id as number;
      const { etag } = await call(b.url, 'GET', `/users/${id}`);
      expect(etag).toBe(`"u${id}-v1"`);
      const replies = await Promise.all(
        [a, b].map((app, side) =>
          call(app.url, 'PATCH', `/users/${id}`, { name: `r${round}-${side}` }, { 'If-Match': etag! }),
        ),
      );
      expect(replies.map((reply) => reply.status).sort((x, y) => x - y)).toEqual([200, 412]);
      const winner = replies.find((reply) => reply.status === 200)!;
      const loser = replies.find((reply) => reply.status === 412)!;
      expect(loser.body.currentETag).toBe(`"u${id}-v2"`);
      expect(winner.etag).toBe(`"u${id}-v2"`);
      expect((await call(a.url, 'GET', `/users/${id}`)).body.name).toBe(winner.body.name);
    }
  });
  it('without If-Match, 40 concurrent PATCHes of one user through both instances: every one 200, each its own version', async () => {
    const writers = 40;
    const created = await call(a.url, 'POST', '/users', { name: 'hot', email: 'hot@example.org' });
    const id = created.body.id as number;
    const replies = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        call(i % 2 ? b.url : a.url, 'PATCH', `/users/${id}`, { name: `hot-${i}` }),
      ),
    );
    // Before the fix a writer that lost the version race five times heard a 412 it never asked for.
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    // Each reply shows its own write: its name, and a version no other write was given.
    for (const [i, reply] of replies.entries()) expect(reply.body.name).toBe(`hot-${i}`);
    const versions = replies.map((reply) => Number(/-v(\d+)"$/.exec(reply.etag!)![1])).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: writers }, (_, i) => i + 2));
    const final = await call(b.url, 'GET', `/users/${id}`);
    expect(final.etag).toBe(`"u${id}-v${writers + 1}"`);
    expect(replies.find((reply) => reply.etag === final.etag)!.body.name).toBe(final.body.name);
  });
});
