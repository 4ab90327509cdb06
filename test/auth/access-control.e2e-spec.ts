import { afterEach, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../helpers/routes.js';
import { recordStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

const TOKEN = 'correct-horse-battery-staple';
let t: TestApp;
afterEach(() => t.close());

/** A concrete URL for a route pattern: `{id}` becomes 1. */
const urlOf = (path: string) => path.replace(/\{\w+\}/g, '1');

describe('with API_TOKEN set', () => {
  it('answers 401 JSON on every non-public route when the token is missing or wrong, without SQL', async () => {
    t = await startApp({ env: { API_TOKEN: TOKEN, METRICS: '1' } });
    const routes = registeredRoutes(t.app).filter((r) => !r.path.startsWith('/health'));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const { method, path } of routes) {
      for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TOKEN}`, TOKEN]) {
        const req = t.http[method.toLowerCase() as 'get'](urlOf(path)).set('X-Request-Id', 'auth-check');
        if (authorization) void req.set('Authorization', authorization);
        const { result: res, statements } = await recordStatements(() => req.send({}));
        expect(statements, `${method} ${path} ran SQL before the guard said no`).toEqual([]);
        expect(res.status, `${method} ${path} with ${authorization}`).toBe(401);
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', requestId: 'auth-check' });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
  });

  it('writes nothing for a rejected request and everything for an accepted one', async () => {
    t = await startApp({ env: { API_TOKEN: TOKEN } });
    await t.http.post('/users').send({ name: 'eve', email: 'eve@x' }).expect(401);
    await t.http.post('/users').set('Authorization', 'Bearer nope').send({ name: 'eve', email: 'eve@x' }).expect(401);
    expect(await t.count('users')).toBe(0);

    const created = await t.http
      .post('/users')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ name: 'ann', email: 'ann@x' })
      .expect(201);
    await t.http.delete(`/users/${created.body.id}`).expect(401);
    await t.http.patch(`/users/${created.body.id}`).send({ name: 'mallory' }).expect(401);
    const res = await t.http.get(`/users/${created.body.id}`).set('authorization', `bearer ${TOKEN}`).expect(200);
    expect(res.body.name).toBe('ann');
    expect(await t.count('users')).toBe(1);
  });

  it('leaves /health and the docs open', async () => {
    t = await startApp({ env: { API_TOKEN: TOKEN } });
    for (const path of ['/health', '/health/live', '/health/ready', '/docs', '/docs-json']) {
      expect({ path, status: (await t.http.get(path)).status }).toEqual({ path, status: 200 });
    }
  });
});

describe('without API_TOKEN (development)', () => {
  it('serves the API to anyone', async () => {
    t = await startApp();
    await t.http.post('/users').send({ name: 'ann', email: 'ann@x' }).expect(201);
    const res = await t.http.get('/users').expect(200);
    expect(res.body.total).toBe(1);
  });
});
