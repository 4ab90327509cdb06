import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyKey } from '../../src/idempotency/idempotency-key.entity.js';
import { CLAIM_LEASE_MS } from '../../src/idempotency/idempotency.service.js';
import { recordStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { testDbKind } from '../helpers/test-database.js';

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

const author = async () =>
  (await t.http.post('/users').send({ name: 'author', email: 'author@example.org' }).expect(201)).body.id as number;

/** Writes a key row as another instance would have left it. */
async function plantKey(key: string, changes: Partial<IdempotencyKey>): Promise<void> {
  const em = t.orm.em.fork();
  const row = new IdempotencyKey(
    key,
    'f'.repeat(64),
    crypto.randomUUID(),
    new Date(),
    new Date(Date.now() + 3_600_000),
  );
  await em.insert(IdempotencyKey, Object.assign(row, changes));
}

describe(`Idempotency-Key on ${testDbKind}`, () => {
  it('POST /users/:id/posts retried with the same key: the original 201 again, marked replayed, and one post', async () => {
    const id = await author();
    const send = () =>
      t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'post-1').send({ title: 'Hello', body: 'World' });
    const first = await send().expect(201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    const { result: retry, statements } = await recordStatements(() => send().expect(201));
    expect(retry.headers['idempotency-replayed']).toBe('true');
    // The replay reads the key and writes nothing (the expired-key sweep ran with the first request).
    expect(statements).toEqual([expect.stringMatching(/^select .* from .idempotency_keys. /)]);
    expect(retry.body).toEqual(first.body);
    expect(await t.count('posts')).toBe(1);
  });

  it('POST /users replays status, Location and body; POST /users/bulk replays too; neither writes again', async () => {
    const first = await t.http
      .post('/users')
      .set('Idempotency-Key', '"u-1"')
      .send({ name: 'a', email: 'a@x' })
      .expect(201);
    const retry = await t.http
      .post('/users')
      .set('Idempotency-Key', '"u-1"')
      .send({ name: 'a', email: 'a@x' })
      .expect(201);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    const batch = [
      { name: 'b', email: 'b@x' },
      { name: 'c', email: 'c@x' },
    ];
    const bulk = await t.http.post('/users/bulk').set('Idempotency-Key', 'bulk-1').send(batch).expect(201);
    const bulkRetry = await t.http.post('/users/bulk').set('Idempotency-Key', 'bulk-1').send(batch).expect(201);
    expect(bulkRetry.body).toEqual(bulk.body);
    expect(await t.count('users')).toBe(3);
  });

  it('without the header nothing changes: a retried POST /users/:id/posts creates a duplicate', async () => {
    const id = await author();
    await t.http.post(`/users/${id}/posts`).send({ title: 'x', body: 'y' }).expect(201);
    await t.http.post(`/users/${id}/posts`).send({ title: 'x', body: 'y' }).expect(201);
    expect(await t.count('posts')).toBe(2);
    expect(await t.count('idempotency_keys')).toBe(0);
  });

  it('the same key with another body (or route) → 422, writes nothing; key order in the body does not matter', async () => {
    const id = await author();
    await t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'k').send({ title: 'a', body: 'b' }).expect(201);
    await t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'k').send({ body: 'b', title: 'a' }).expect(201);
    const reused = await t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'k').send({ title: 'a', body: 'c' });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
    await t.http.post('/users').set('Idempotency-Key', 'k').send({ title: 'a', body: 'b' }).expect(422);
    expect(await t.count('posts')).toBe(1);
  });

  it('while the first request holds the key → 409 with Retry-After; an abandoned claim (past the lease) is taken over', async () => {
    const id = await author();
    const body = { title: 'a', body: 'b' };
    const { createHash } = await import('node:crypto');
    const fingerprint = createHash('sha256').update(`POST /users/${id}/posts\n{"body":"b","title":"a"}`).digest('hex');
    await plantKey('busy', { fingerprint });
    const busy = await t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'busy').send(body).expect(409);
    expect(busy.headers['retry-after']).toBe('1');
    expect(await t.count('posts')).toBe(0);
    await plantKey('dead', { fingerprint, claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1000) });
    await t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'dead').send(body).expect(201);
    await t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'dead').send(body).expect(201);
    expect(await t.count('posts')).toBe(1);
  });

  it('concurrent requests with one key: one post, every other answer a replay of it or a 409', async () => {
    const id = await author();
    const replies = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.http.post(`/users/${id}/posts`).set('Idempotency-Key', 'race').send({ title: 'r', body: 'r' }),
      ),
    );
    const created = replies.filter((reply) => reply.status === 201);
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created.map((reply) => reply.body.id)).size).toBe(1);
    expect(replies.every((reply) => reply.status === 201 || reply.status === 409)).toBe(true);
    expect(await t.count('posts')).toBe(1);
  });

  it('failed work stores nothing and frees the key: the retry runs again', async () => {
    await t.http.post('/users').send({ name: 'taken', email: 'taken@x' }).expect(201);
    const send = () => t.http.post('/users').set('Idempotency-Key', 'dup').send({ name: 'taken', email: 'new@x' });
    await send().expect(409);
    await send().expect(409);
    expect(await t.count('idempotency_keys')).toBe(0);
    await t.http.post('/users/9999/posts').set('Idempotency-Key', 'gone').send({ title: 'a', body: 'b' }).expect(404);
    expect(await t.count('idempotency_keys')).toBe(0);
  });

  it('expired keys are deleted and may be used afresh', async () => {
    await t.close();
    t = await startApp();
    await plantKey('old', { status: 201, body: '{}', headers: '{}', expiresAt: new Date(Date.now() - 1000) });
    await plantKey('live', { status: 201, body: '{}', headers: '{}' });
    // The first claim of the process sweeps the expired rows.
    await t.http.post('/users').set('Idempotency-Key', 'new').send({ name: 'n', email: 'n@x' }).expect(201);
    const keys = await t.orm.em.fork().find(IdempotencyKey, {}, { orderBy: { key: 'asc' } });
    expect(keys.map((row) => row.key)).toEqual(['live', 'new']);
    await plantKey('old', { status: 201, body: '{}', headers: '{}', expiresAt: new Date(Date.now() - 1000) });
    const reused = await t.http
      .post('/users')
      .set('Idempotency-Key', 'old')
      .send({ name: 'o', email: 'o@x' })
      .expect(201);
    expect(reused.headers['idempotency-replayed']).toBeUndefined();
    expect(reused.body.name).toBe('o');
  });

  it('a malformed key → 400', async () => {
    await t.http.post('/users').set('Idempotency-Key', 'x'.repeat(256)).send({ name: 'a', email: 'a@x' }).expect(400);
    await t.http.post('/users').set('Idempotency-Key', 'has space').send({ name: 'a', email: 'a@x' }).expect(400);
    expect(await t.count('users')).toBe(0);
  });
});
