import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
afterEach(() => t.close());

describe('response headers', () => {
  it("carries helmet's security headers and no X-Powered-By", async () => {
    t = await startApp();
    const res = await t.http.get('/users').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('echoes an acceptable X-Request-Id and replaces a missing or unsafe one with a UUID', async () => {
    t = await startApp();
    expect((await t.http.get('/users').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect((await t.http.get('/users')).headers['x-request-id']).toMatch(uuid);
    const forged = await t.http.get('/users').set('X-Request-Id', 'x\tlevel=error fake');
    expect(forged.headers['x-request-id']).toMatch(uuid);
  });
});

describe('CORS', () => {
  it('is off by default: no Access-Control-Allow-Origin for any origin', async () => {
    t = await startApp();
    const res = await t.http.get('/users').set('Origin', 'https://app.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the CORS_ORIGINS, preflight included', async () => {
    t = await startApp({ env: { CORS_ORIGINS: 'https://app.example, https://admin.example' } });
    const ok = await t.http
      .options('/users')
      .set('Origin', 'https://admin.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://admin.example');
    const other = await t.http.get('/users').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an allowed origin read the headers clients act on (ETag, Retry-After, the consistency token)', async () => {
    t = await startApp({ env: { CORS_ORIGINS: 'https://app.example' } });
    const res = await t.http.get('/users').set('Origin', 'https://app.example').expect(200);
    const exposed = String(res.headers['access-control-expose-headers']).split(/\s*,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining([
        'X-Request-Id',
        'Location',
        'ETag',
        'Retry-After',
        'Idempotency-Replayed',
        'X-Consistency-Token',
      ]),
    );
  });
});

describe('error bodies', () => {
  it('carry the request id, for a body the parser rejects too (413)', async () => {
    t = await startApp();
    const res = await t.http
      .post('/users')
      .set('X-Request-Id', 'big-1')
      .send({ name: 'a', email: 'x'.repeat(200_000) })
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, requestId: 'big-1' });
  });
});

describe('an internal error', () => {
  it('is a plain 500 JSON with the request id: no stack, SQL or file path', async () => {
    t = await startApp();
    await t.http.post('/users').send({ name: 'ann', email: 'ann@x' }).expect(201);
    await t.orm.driver.getConnection().execute('drop table posts');
    await t.orm.driver.getConnection().execute('drop table users');
    const res = await t.http.get('/users').set('X-Request-Id', 'boom-1').expect(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal server error',
      requestId: 'boom-1',
    });
    expect(res.text).not.toMatch(/select|users|\.ts|\.js|\/work|\bat\b/i);
  });
});
