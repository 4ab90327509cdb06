import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';

/**
 * Issue 14, failure 6: GET /users/export when the database fails. Before the first row: a 503
 * JSON error like any route. Mid-stream: the connection is cut before the terminating chunk, so
 * the client's read fails instead of ending like a complete download, and the service logs an
 * error under the request id. A complete export of more users than the statement budget's
 * batches logs no budget warning.
 */
const USERS = 100_000;

let cluster: PostgresCluster;
let app: RunningApp;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  const url = await cluster.createDatabase('app');
  app = await startAppProcess({ DATABASE_URL: url, DB_STATEMENT_TIMEOUT_MS: '2000', DB_POOL_TIMEOUT_MS: '1000' });
  // Enough rows (about 10 MB of NDJSON) that the export cannot sit whole in the socket buffers.
  await cluster.psql(
    `insert into users (name, email, created_at, updated_at) ` +
      `select 'user-' || i, 'user-' || i || '@example.org', now(), now() from generate_series(1, ${USERS}) i`,
    'app',
  );
});
afterAll(async () => {
  await app?.stop();
  await cluster?.remove();
});

const logged = () => [...app.stdout, ...app.stderr].join('\n');

describe('GET /users/export under database failures', () => {
  it('streams every user without a statement-budget warning', async () => {
    const res = await fetch(`${app.url}/users/export`, { signal: AbortSignal.timeout(60_000) });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(USERS);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ name: `user-${USERS}` });
    expect(logged()).not.toMatch(/statement-budget|DB_STATEMENT_BUDGET/);
  });

  it('answers 503 JSON with Retry-After when the database is down before the first row', async () => {
    await cluster.stop('fast');
    try {
      const res = await fetch(`${app.url}/users/export`, { signal: AbortSignal.timeout(15_000) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).not.toBeNull();
      expect(await res.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    } finally {
      await cluster.start();
    }
  });

  it('cuts the download (no terminating chunk) and logs an error with the request id when it fails mid-stream', async () => {
    const res = await fetch(`${app.url}/users/export`, { signal: AbortSignal.timeout(60_000) });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const reader = res.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    // The database goes away while the client is still downloading.
    await cluster.stop('immediate');
    let outcome: 'complete' | 'cut' = 'complete';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
    } catch {
      outcome = 'cut';
    } finally {
      await cluster.start();
    }
    console.log(`export mid-stream failure: ${outcome} after ${received} bytes`);
    expect(outcome).toBe('cut');
    // Logged as an error of this request (the filter's line names the route and the id).
    await expect.poll(() => logged(), { timeout: 5000 }).toContain(`GET /users/export failed (id=${requestId})`);
    // And the service goes on: a fresh export after the database is back is complete.
    const again = await fetch(`${app.url}/users/export`, { signal: AbortSignal.timeout(60_000) });
    expect((await again.text()).trimEnd().split('\n')).toHaveLength(USERS);
  });
});
