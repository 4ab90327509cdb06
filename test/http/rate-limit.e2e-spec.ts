import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const user = (n: number) => ({ name: `rl-${n}`, email: `rl-${n}@x.test` });

describe('rate limiting (RATE_LIMIT=1, in memory)', () => {
  it('answers the write past the limit 429 JSON with Retry-After, through the error filter, and stores nothing for it', async () => {
    t = await startApp({ env: { RATE_LIMIT: '1', RATE_LIMIT_WRITES: '3', RATE_LIMIT_WINDOW_MS: '60000' } });
    for (let n = 0; n < 3; n++) await t.http.post('/users').send(user(n)).expect(201);
    const res = await t.http.post('/users').send(user(3)).expect(429);
    expect(res.body).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^rate limit exceeded for writes; retry in \d+s$/),
      requestId: expect.any(String),
    });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await t.count('users')).toBe(3);
  });

  it('counts each route class on its own budget, across routes of the class; /health is never limited', async () => {
    t = await startApp({
      env: { RATE_LIMIT: '1', RATE_LIMIT_READS: '4', RATE_LIMIT_WRITES: '2', RATE_LIMIT_BULK: '1' },
    });
    // Writes: two, on two different routes of the class, then the class is spent.
    const { body } = await t.http.post('/users').send(user(1)).expect(201);
    await t.http.patch(`/users/${body.id}`).send({ name: 'renamed' }).expect(200);
    await t.http.post('/users').send(user(2)).expect(429);
    // Reads have their own four, shared by GET /users and GET /users/:id.
    await t.http.get('/users').expect(200);
    await t.http.get(`/users/${body.id}`).expect(200);
    await t.http.get('/users').expect(200);
    await t.http.get(`/users/${body.id}`).expect(200);
    await t.http.get('/users').expect(429);
    // Bulk is its own class: one batch, then 429 with nothing of the second batch written.
    await t.http
      .post('/users/bulk')
      .send([user(3), user(4)])
      .expect(201);
    await t.http
      .post('/users/bulk')
      .send([user(5)])
      .expect(429);
    await t.http.get('/users/export').expect(429);
    expect(await t.count('users')).toBe(3);
    // Probes stay open whatever the client spent.
    for (let n = 0; n < 10; n++) await t.http.get('/health').expect(200);
  });

  it('is off by default: no limit and no rate-limit headers', async () => {
    t = await startApp();
    for (let n = 0; n < 30; n++) {
      const res = await t.http.post('/users').send(user(n)).expect(201);
      expect(Object.keys(res.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    }
  });

  it('counts clients by the socket without TRUST_PROXY: a forged X-Forwarded-For does not buy a new budget', async () => {
    t = await startApp({ env: { RATE_LIMIT: '1', RATE_LIMIT_READS: '2' } });
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.1').expect(200);
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.2').expect(200);
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.3').expect(429);
  });

  it('with TRUST_PROXY=loopback, counts each client the proxy names, and only the entry the proxy added', async () => {
    t = await startApp({ env: { RATE_LIMIT: '1', RATE_LIMIT_READS: '2', TRUST_PROXY: 'loopback' } });
    // The spec's requests come from 127.0.0.1: a proxy on loopback, as TRUST_PROXY says.
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.1').expect(200);
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.1').expect(200);
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.1').expect(429);
    // Another client behind the same proxy has its own budget.
    await t.http.get('/users').set('X-Forwarded-For', '203.0.113.2').expect(200);
    // A client that sends its own X-Forwarded-For is still the address the proxy appended.
    await t.http.get('/users').set('X-Forwarded-For', '198.51.100.9, 203.0.113.1').expect(429);
  });

  it('with TRUST_PROXY=1, believes one hop: the last X-Forwarded-For entry', async () => {
    t = await startApp({ env: { RATE_LIMIT: '1', RATE_LIMIT_READS: '1', TRUST_PROXY: '1' } });
    await t.http.get('/users').set('X-Forwarded-For', '198.51.100.9, 203.0.113.5').expect(200);
    await t.http.get('/users').set('X-Forwarded-For', '198.51.100.10, 203.0.113.5').expect(429);
    await t.http.get('/users').set('X-Forwarded-For', '198.51.100.9, 203.0.113.6').expect(200);
  });

  it('documents the 429 on every rate-limited operation and not on /health', async () => {
    t = await startApp();
    const { body: doc } = await t.http.get('/docs-json').expect(200);
    expect(doc.paths['/users'].post.responses['429']).toMatchObject({ headers: { 'Retry-After': expect.any(Object) } });
    expect(doc.paths['/users/bulk'].post.responses['429']).toBeDefined();
    expect(doc.paths['/users/{id}'].get.responses['429']).toBeDefined();
    expect(doc.paths['/health'].get.responses['429']).toBeUndefined();
  });
});
