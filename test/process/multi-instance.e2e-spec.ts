import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { expectHonoursDocument } from '../helpers/contract.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

interface Reply {
  status: number;
  body: { id?: number; name?: string; email?: string; field?: string };
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  // Every answer of either instance, the 409s of lost races included, is one the document lists.
  await expectHonoursDocument(res, method);
  return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Reply['body']) };
}

/**
 * Two real app processes behind no load balancer, on one database: the deployment the README
 * describes for PostgreSQL. Both start together with DB_MIGRATE=1 (the migration lock makes one
 * wait for the other), then race creates and updates of the same names and emails.
 */
describe(`two app instances on one ${testDbKind} database`, () => {
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

  it('keeps every acknowledged write exactly once, and every loser of a race gets a 409', async () => {
    const expected = new Map<number, { name: string; email: string }>();
    const acknowledge = (reply: Reply) =>
      expected.set(reply.body.id!, { name: reply.body.name!, email: reply.body.email! });
    const rounds = 12;

    // The same name sent to both instances at once, then the same email (in another case).
    const nameRaces = await Promise.all(
      Array.from({ length: rounds }, (_, i) =>
        Promise.all([
          call(a.url, 'POST', '/users', { name: `user-${i}`, email: `user-${i}-a@example.org` }),
          call(b.url, 'POST', '/users', { name: `user-${i}`, email: `user-${i}-b@example.org` }),
        ]),
      ),
    );
    const emailRaces = await Promise.all(
      Array.from({ length: rounds }, (_, i) =>
        Promise.all([
          call(a.url, 'POST', '/users', { name: `mail-${i}-a`, email: `mail-${i}@example.org` }),
          call(b.url, 'POST', '/users', { name: `mail-${i}-b`, email: `MAIL-${i}@example.org` }),
        ]),
      ),
    );
    for (const [race, field] of [
      ...nameRaces.map((r) => [r, 'name'] as const),
      ...emailRaces.map((r) => [r, 'email'] as const),
    ]) {
      const won = race.filter((reply) => reply.status === 201);
      const lost = race.filter((reply) => reply.status !== 201);
      expect(won).toHaveLength(1);
      expect(lost.map((reply) => [reply.status, reply.body.field])).toEqual([[409, field]]);
      acknowledge(won[0]);
    }

    // Two different users renamed to the same new name through different instances at once.
    const ids = [...expected.keys()];
    const renames = await Promise.all(
      Array.from({ length: rounds }, (_, i) =>
        Promise.all([
          call(a.url, 'PATCH', `/users/${ids[2 * i]}`, { name: `renamed-${i}` }),
          call(b.url, 'PATCH', `/users/${ids[2 * i + 1]}`, { name: `renamed-${i}` }),
        ]),
      ),
    );
    for (const race of renames) {
      expect(race.map((reply) => reply.status).toSorted((x, y) => x - y)).toEqual([200, 409]);
      expect(race.find((reply) => reply.status === 409)!.body.field).toBe('name');
      acknowledge(race.find((reply) => reply.status === 200)!);
    }

    // What either instance reads back is exactly what was acknowledged: nothing lost, nothing twice.
    for (const base of [a.url, b.url]) {
      const page = await call(base, 'GET', '/users?perPage=100');
      const rows = (page.body as unknown as { items: { id: number; name: string; email: string }[]; total: number })
        .items;
      expect(rows).toHaveLength(expected.size);
      expect(new Map(rows.map((row) => [row.id, { name: row.name, email: row.email }]))).toEqual(expected);
      expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
      expect(new Set(rows.map((row) => row.email)).size).toBe(rows.length);
    }
  });
});
