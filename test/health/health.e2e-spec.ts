import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/** SQL statements of `GET /health`. Change the number only on purpose. */
const STATEMENTS = { 'GET /health': 1 }; // select 1

let t: TestApp;
beforeEach(async () => (t = await startApp({ env: { API_TOKEN: 'a-long-enough-test-token' } })));
afterEach(() => t.close());

describe('GET /health', () => {
  it('answers 200 with status ok while the database answers, without a token', async () => {
    const res = await expectStatements(() => t.http.get('/health').expect(200), STATEMENTS['GET /health']);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('answers 503 with status error once the database connection is closed', async () => {
    await t.orm.close();
    const res = await t.http.get('/health').expect(503);
    expect(res.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
  });
});
