import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';

/**
 * Issue 14, failure 4: under 2 000 concurrent connections the ORM's pool is saturated, but
 * /health/ready (its own database connection, its own timeout) never answers 503 while the
 * database is fine; once the database is gone it does, and /health/live still answers 200.
 * Bounded: 2 000 connections on 127.0.0.1, about 6 seconds of load.
 */
const CONNECTIONS = 2000;
const LOAD_MS = 6000;

let cluster: PostgresCluster;
let app: RunningApp;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  const url = await cluster.createDatabase('app');
  app = await startAppProcess({ DATABASE_URL: url, DB_POOL_MAX: '5', DB_POOL_TIMEOUT_MS: '5000' });
  await cluster.psql(
    `insert into users (name, email, created_at, updated_at) ` +
      `select 'user-' || i, 'user-' || i || '@example.org', now(), now() from generate_series(1, 2000) i`,
    'app',
  );
});
afterAll(async () => {
  await app?.stop();
  await cluster?.remove();
});

/** One GET on `agent`; resolves with the status, or the error code of a failed connection. */
function get(agent: Agent, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(`${app.url}${path}`, { agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('readiness under load', () => {
  it(`/health/ready never answers 503 under ${CONNECTIONS} connections while the database is fine`, async () => {
    const probeAgent = new Agent({ keepAlive: false });
    const loadAgent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    expect(await get(probeAgent, '/health/ready')).toBe(200);
    const until = Date.now() + LOAD_MS;
    const load: Record<string, number> = {};
    const client = async () => {
      while (Date.now() < until) {
        const status = await get(loadAgent, '/users?limit=100');
        load[status] = (load[status] ?? 0) + 1;
      }
    };
    const clients = Promise.all(Array.from({ length: CONNECTIONS }, client));
    // A probe every 250 ms, each on a connection of its own (as an orchestrator's would be),
    // not waiting for the previous one: the answers are what counts, not their latency.
    const probes: Promise<number | string>[] = [];
    while (Date.now() < until) {
      probes.push(get(probeAgent, '/health/ready'));
      await new Promise((done) => setTimeout(done, 250));
    }
    await clients;
    const answers = await Promise.all(probes);
    probeAgent.destroy();
    loadAgent.destroy();
    console.log(`readiness under load: probes ${JSON.stringify(answers)}; load statuses ${JSON.stringify(load)}`);
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((status) => status !== 200)).toEqual([]);
  });

  it('with the database gone, ready is 503 with Retry-After and live stays 200', async () => {
    await cluster.stop('fast');
    try {
      const ready = await fetch(`${app.url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('1');
      const live = await fetch(`${app.url}/health/live`, { signal: AbortSignal.timeout(10_000) });
      expect(live.status).toBe(200);
    } finally {
      await cluster.start();
    }
    const back = await fetch(`${app.url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(back.status).toBe(200);
  });
});
