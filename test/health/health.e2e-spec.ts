import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectStatements } from '../helpers/statements.js';
import { mkdirSync, rmSync } from 'node:fs';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { quoteIdent, withPostgresAdmin } from '../helpers/postgres-admin.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * Takes the app's database away for real: PostgreSQL drops it (its connections are terminated);
 * on SQLite the file is closed and a directory takes its place, so reopening it fails.
 */
async function loseTheDatabase(app: TestApp): Promise<void> {
  const target = parseDatabaseUrl(app.databaseUrl);
  if (target.driver === 'postgresql') {
    await withPostgresAdmin((c) => c.execute(`drop database ${quoteIdent(target.dbName)} with (force)`));
    return;
  }
  await app.orm.close();
  rmSync(target.file, { force: true });
  mkdirSync(target.file);
}

/**
 * SQL statements of `GET /health` through the ORM. Change the number only on purpose: since the
 * readiness probe has a connection of its own (so it never queues behind request traffic), its
 * `select 1` no longer goes through the ORM's connection and counts nothing.
 */
const STATEMENTS = { 'GET /health': 0 };

let t: TestApp;
beforeEach(async () => (t = await startApp({ env: { API_TOKEN: 'a-long-enough-test-token' } })));
afterEach(() => t.close());

describe('GET /health', () => {
  it('answers 200 with status ok while the database answers, without a token', async () => {
    const res = await expectStatements(() => t.http.get('/health').expect(200), STATEMENTS['GET /health']);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('answers 503 with status error once the database is gone', async () => {
    await loseTheDatabase(t);
    const res = await t.http.get('/health').expect(503);
    expect(res.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
  });

  it('splits liveness from readiness: with the database gone, ready is 503 with Retry-After and live 200', async () => {
    expect((await t.http.get('/health/ready').expect(200)).body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
    await t.http.get('/health/live').expect(200);
    await loseTheDatabase(t);
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.headers['retry-after']).toBe('1');
    expect(ready.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    expect((await t.http.get('/health/live').expect(200)).body).toMatchObject({ status: 'ok' });
  });
});
