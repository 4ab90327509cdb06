import { afterEach, describe, expect, it } from 'vitest';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

/** SQL statements of `GET /metrics`: none, the pool figures are the pool's own counters. */
const STATEMENTS = { 'GET /metrics': 0 };

const TOKEN = 'a-long-enough-metrics-token';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function scrape(app: TestApp, token?: string): Promise<string> {
  const req = app.http.get('/metrics');
  if (token) req.set('Authorization', `Bearer ${token}`);
  const res = await req.expect(200);
  return res.text;
}

/** `name{labels} value` lines of one metric family (buckets, sum and count), comments left out. */
function series(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

function value(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (found === undefined) throw new Error(`no series ${line}`);
  return Number(found.slice(line.length + 1));
}

describe('GET /metrics', () => {
  it('is a 404 unless METRICS=1', async () => {
    t = await startApp();
    await t.http.get('/metrics').expect(404);
  });

  it('serves Prometheus text: request durations by route template, statements and entities per request, process metrics', async () => {
    t = await startApp({ env: { METRICS: '1' } });
    const ann = (await t.http.post('/users').send({ name: 'ann', email: 'ann@example.com' }).expect(201)).body
      .id as number;
    for (let i = 0; i < 3; i++) await t.http.get(`/users/${ann}`).expect(200);
    await t.http.get('/users/999').expect(404);

    const res = await expectStatements(() => t!.http.get('/metrics').expect(200), STATEMENTS['GET /metrics']);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(value(text, 'http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"}')).toBe(3);
    expect(value(text, 'http_request_duration_seconds_count{method="GET",route="/users/:id",status="404"}')).toBe(1);
    expect(value(text, 'http_request_duration_seconds_count{method="POST",route="/users",status="201"}')).toBe(1);
    // GET /users/:id runs one statement and holds one entity (none for the 404).
    expect(value(text, 'db_statements_per_request_sum{method="GET",route="/users/:id"}')).toBe(4);
    expect(value(text, 'db_statements_per_request_bucket{le="1",method="GET",route="/users/:id"}')).toBe(4);
    expect(value(text, 'db_statements_per_request_count{method="POST",route="/users"}')).toBe(1);
    expect(value(text, 'db_entities_per_request_sum{method="GET",route="/users/:id"}')).toBe(3);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).not.toMatch(/route="\/users\/\d/);
  });

  it.skipIf(onPostgres)('has no pool series on SQLite, which works on one connection', async () => {
    t = await startApp({ env: { METRICS: '1' } });
    expect(await scrape(t)).not.toContain('db_pool_');
  });

  it.runIf(onPostgres)('reports the PostgreSQL pool from pg.Pool itself', async () => {
    t = await startApp({ env: { METRICS: '1', DB_POOL_MAX: '7' } });
    await t.http.get('/users').expect(200);
    const text = await scrape(t);
    expect(value(text, 'db_pool_max_connections')).toBe(7);
    expect(value(text, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'db_pool_waiting_requests')).toBe(0);
    expect(value(text, 'db_pool_idle_connections')).toBeLessThanOrEqual(value(text, 'db_pool_connections'));
  });

  it('keeps the label set bounded: 500 distinct ids and 500 unknown paths add no series', async () => {
    t = await startApp({ env: { METRICS: '1' } });
    const ann = (await t.http.post('/users').send({ name: 'ann', email: 'ann@example.com' }).expect(201)).body
      .id as number;
    await t.http.get(`/users/${ann}`).expect(200);
    await t.http.get('/users/100000').expect(404);
    await t.http.get('/no/such/path/0').expect(404);
    await scrape(t); // a scrape is a request too: its own series exist from now on
    const before = await scrape(t);
    for (let i = 1; i <= 500; i++) {
      await t.http.get(`/users/${ann + i}`).expect(404);
      await t.http.get(`/no/such/path/${i}`).expect(404);
    }
    const after = await scrape(t);
    for (const family of ['http_request_duration_seconds', 'db_statements_per_request', 'db_entities_per_request']) {
      expect(series(after, family).length).toBe(series(before, family).length);
    }
    expect(value(after, 'http_request_duration_seconds_count{method="GET",route="/users/:id",status="404"}')).toBe(501);
    expect(value(after, 'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(501);
  });

  it('requires the token when API_TOKEN is set, like every other non-health route', async () => {
    t = await startApp({ env: { METRICS: '1', API_TOKEN: TOKEN } });
    await t.http.get('/metrics').expect(401);
    await t.http.get('/metrics').set('Authorization', 'Bearer wrong-token-of-some-length').expect(401);
    expect(await scrape(t, TOKEN)).toContain('http_request_duration_seconds');
  });
});
