import { afterEach, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

interface Reply {
  status: number;
  replayed: string | null;
  body: Record<string, unknown> & { items?: { id: number }[] };
}

async function call(base: string, method: string, path: string, body?: unknown, key?: string): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(key ? { 'Idempotency-Key': key } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: res.status,
    replayed: res.headers.get('idempotency-replayed'),
    body: (await res.json()) as Reply['body'],
  };
}

/**
 * The lost response: the server commits the post and dies (SIGKILL, the test build's hook) before
 * a byte of the response leaves, so the client sees only a cut connection. It retries with the
 * same key against a new process on the same database and must get the original 201, and the
 * database must hold exactly one post.
 */
describe(`Idempotency-Key across processes on ${testDbKind}`, () => {
  let db: TestDatabase;
  const apps: RunningApp[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const app = await startAppProcess({ NODE_ENV: 'test', DATABASE_URL: db.url, ...env });
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop('SIGKILL')));
    await db?.drop();
  });

  it('server SIGKILLed after the commit, before the response: the retry gets the original 201 and there is one post', async () => {
    db = await createTestDatabase();
    const doomed = await start({ TEST_KILL_AFTER_IDEMPOTENT_COMMIT: '1' });
    const author = await call(doomed.url, 'POST', '/users', { name: 'ann', email: 'ann@example.org' });
    expect(author.status).toBe(201);
    const post = { title: 'Hello', body: 'World' };
    const path = `/users/${author.body.id as number}/posts`;

    await expect(call(doomed.url, 'POST', path, post, 'lost-response-1')).rejects.toThrow(/fetch failed/);
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const restarted = await start();
    const retry = await call(restarted.url, 'POST', path, post, 'lost-response-1');
    expect(retry.status).toBe(201);
    expect(retry.replayed).toBe('true');
    const stored = await call(restarted.url, 'GET', path);
    expect(stored.body.items).toHaveLength(1);
    expect(retry.body).toEqual(stored.body.items![0]);
    expect(retry.body).toMatchObject(post);
  });

  it('two instances share the keys: the second replays the first one’s response, or refuses another body with 422', async () => {
    db = await createTestDatabase();
    // One after the other: the first creates the schema (NODE_ENV=test), the second finds it.
    const a = await start();
    const b = await start();
    const first = await call(a.url, 'POST', '/users', { name: 'bob', email: 'bob@example.org' }, 'user-bob');
    expect(first.status).toBe(201);
    const replay = await call(b.url, 'POST', '/users', { name: 'bob', email: 'bob@example.org' }, 'user-bob');
    expect(replay).toMatchObject({ status: 201, replayed: 'true', body: first.body });
    const reused = await call(b.url, 'POST', '/users', { name: 'cat', email: 'cat@example.org' }, 'user-bob');
    expect(reused.status).toBe(422);
    expect((await call(a.url, 'GET', '/users')).body.total).toBe(1);
  });
});
