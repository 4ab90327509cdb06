import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';

let app: RunningApp;
const SEEDED = 200;

beforeAll(async () => {
  app = await startAppProcess();
  for (let i = 1; i <= SEEDED; i++) {
    const res = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `seed${i}`, email: `seed${i}@x` }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
  }
});
afterAll(async () => {
  await app?.stop('SIGKILL');
});

let unique = 0;
const next = () => `${process.pid}-${unique++}`;
const randomId = () => 1 + Math.floor(Math.random() * SEEDED);

describe('mixed load on a real process', () => {
  it('answers 4 000 mixed reads and writes over 64 connections with no 5xx and no connection errors', async () => {
    const result = await autocannon({
      url: app.url,
      connections: 64,
      amount: 4000,
      timeout: 20,
      requests: [
        { method: 'GET', setupRequest: (req) => ({ ...req, path: `/users/${randomId()}` }) },
        { method: 'GET', path: '/users?page=2&perPage=20' },
        {
          method: 'POST',
          path: '/users',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            const n = next();
            return { ...req, body: JSON.stringify({ name: `load${n}`, email: `load${n}@x` }) };
          },
        },
        {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({
            ...req,
            path: `/users/${randomId()}`,
            body: JSON.stringify({ name: `patched${next()}` }),
          }),
        },
      ],
    });
    const statusCounts = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]),
    );
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(Object.keys(statusCounts).filter((code) => Number(code) >= 500)).toEqual([]);
    // By status, so a failure says which answers were not 2xx.
    expect({ non2xx: result.non2xx, statusCounts }).toEqual({ non2xx: 0, statusCounts: expect.any(Object) });
    expect(result.requests.sent).toBeGreaterThanOrEqual(4000);
  });
});
