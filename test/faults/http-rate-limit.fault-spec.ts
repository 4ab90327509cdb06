import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnApp, type AppProcess } from '../helpers/app-process.js';
import { send, until, type Outcome } from '../helpers/http-client.js';
import { redisServer, type RedisServer } from '../helpers/redis-server.js';

const WRITES = 20;

let redis: RedisServer | undefined;
afterAll(() => redis?.kill());

/** The service with WORKERS workers; resolves once every one of them listens. */
async function startWorkers(workers: number, env: Record<string, string>): Promise<{ app: AppProcess; url: string }> {
  const app = await spawnApp({ WORKERS: String(workers), LOG_FORMAT: 'json', RATE_LIMIT: '1', ...env });
  const url = await app.url();
  await until(() => app.stdout.filter((line) => line.includes('listening on')).length === workers, 60_000, 'workers');
  return { app, url };
}

/** `count` creates, `concurrency` at a time, each on a new connection (so the primary deals them out to every worker). */
async function creates(url: string, count: number, prefix: string, concurrency = 6): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: false });
  const outcomes: Outcome[] = [];
  let next = 0;
  const client = async () => {
    while (next < count) {
      const name = `${prefix}-${next++}`;
      outcomes.push(await send(agent, url, 'POST', '/users', { name, email: `${name}@x.test` }, 5000));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return outcomes;
}

const statuses = (outcomes: Outcome[]) => outcomes.map((o) => o.status ?? o.error);
const count = (outcomes: Outcome[], status: number) => outcomes.filter((o) => o.status === status).length;

/** PIDs of the processes that wrote a request line for a create. */
function servingPids(app: AppProcess): Set<number> {
  const lines = app.stdout.map((line) => JSON.parse(line) as { context?: string; method?: string; pid: number });
  return new Set(lines.filter((l) => l.context === 'HTTP' && l.method === 'POST').map((l) => l.pid));
}

describe('rate limits across two workers', () => {
  it('hold one limit together when they share Redis', async () => {
    redis = await redisServer();
    await redis.start();
    const { app, url } = await startWorkers(2, { REDIS_URL: redis.url, RATE_LIMIT_WRITES: String(WRITES) });
    try {
      const outcomes = await creates(url, 60, 'shared');
      expect(servingPids(app).size).toBe(2);
      expect(count(outcomes, 201)).toBe(WRITES);
      expect(count(outcomes, 429)).toBe(60 - WRITES);
      expect(statuses(outcomes).filter((s) => s !== 201 && s !== 429)).toEqual([]);
    } finally {
      expect(await app.stop()).toEqual({ code: 0, signal: null });
      await redis.kill();
    }
  });

  it('each count alone without REDIS_URL (what Redis is for)', async () => {
    const { app, url } = await startWorkers(2, { RATE_LIMIT_WRITES: String(WRITES) });
    try {
      const outcomes = await creates(url, 60, 'apart');
      expect(servingPids(app).size).toBe(2);
      // Each worker lets its own WRITES through.
      expect(count(outcomes, 201)).toBeGreaterThan(WRITES);
      expect(count(outcomes, 201)).toBeLessThanOrEqual(2 * WRITES);
    } finally {
      await app.stop();
    }
  });
});

describe('rate limits with Redis unreachable (fail-open)', () => {
  it('starts and serves without Redis, limits once it is up, serves unlimited while it stalls or is dead, limits again when it is back', async () => {
    redis = await redisServer();
    const app = await spawnApp({ LOG_FORMAT: 'json', RATE_LIMIT: '1', REDIS_URL: redis.url, RATE_LIMIT_WRITES: '5' });
    try {
      const url = await app.url();
      const warned = () => app.stdout.filter((line) => line.includes('requests are not rate-limited')).length;
      const back = () => app.stdout.filter((line) => line.includes('Redis is back')).length;

      // Redis was never up: the service started, and answers every create (not limited).
      expect(statuses(await creates(url, 8, 'never-up', 2))).toEqual(Array(8).fill(201));
      await until(() => warned() === 1, 5000, 'warning 1');

      await redis.start();
      await until(() => back() === 1, 15_000, 'the reconnect');
      const limited = await creates(url, 8, 'up', 1);
      expect(statuses(limited)).toEqual([...Array(5).fill(201), ...Array(3).fill(429)]);

      // Stalled (answers nothing for 5 s): each request waits at most the 500 ms command timeout,
      // then goes on unlimited; all of them are answered while Redis still sleeps.
      const stalledAt = Date.now();
      redis.stall(5);
      await sleep(100);
      const stalled = await creates(url, 4, 'stalled', 2);
      expect(statuses(stalled)).toEqual(Array(4).fill(201));
      expect(Math.max(...stalled.map((o) => o.at)) - stalledAt).toBeLessThan(4500);
      await until(() => warned() === 2, 5000, 'warning 2');
      // Awake again, with the window it had: the client is still over its limit.
      await sleep(Math.max(0, 5500 - (Date.now() - stalledAt)));
      expect(statuses(await creates(url, 1, 'awake', 1))).toEqual([429]);
      // Log lines reach stdout asynchronously.
      await until(() => back() === 2, 5000, 'the "back" line');

      // Killed: the next requests still get answers, unlimited, and one warning says why.
      await redis.kill();
      const outage = await creates(url, 8, 'down', 2);
      expect(statuses(outage)).toEqual(Array(8).fill(201));
      await until(() => warned() === 3, 5000, 'warning 3');

      // Back (empty: a new window): limits apply again.
      await redis.start();
      await until(() => back() === 3, 15_000, 'the second reconnect');
      expect(statuses(await creates(url, 7, 'again', 1))).toEqual([...Array(5).fill(201), ...Array(2).fill(429)]);
    } finally {
      expect(await app.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
