import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * REQUEST_TIMEOUT_MS (issue 14, failure 3): a request that is not done by its deadline is
 * answered 503 JSON with Retry-After at the deadline, and its work does not go on to write.
 * The test builds' TEST_REQUEST_DELAY_MS holds every request past the deadline.
 */
let t: TestApp;
beforeEach(
  async () =>
    (t = await startApp({
      env: {
        NODE_ENV: 'test',
        REQUEST_TIMEOUT_MS: '300',
        HEALTH_READY_TIMEOUT_MS: '200',
        TEST_REQUEST_DELAY_MS: '1500',
      },
    })),
);
afterEach(() => t.close());

describe('REQUEST_TIMEOUT_MS', () => {
  it('answers 503 JSON with Retry-After at the deadline, and the late create never writes', async () => {
    const started = Date.now();
    const res = await t.http.post('/users').send({ name: 'late', email: 'late@example.org' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ statusCode: 503, message: 'the request did not finish within 300 ms, try again' });
    expect(res.body.requestId).toBeTruthy();
    // Answered at the deadline, not after the held request finally ran (1.5 s).
    expect(Date.now() - started).toBeLessThan(1400);
    // The handler runs after the hold with an aborted fork: its flush must not have committed.
    await new Promise((done) => setTimeout(done, 2000));
    expect(await t.count('users')).toBe(0);
  });
});
