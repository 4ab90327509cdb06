import { afterEach, describe, expect, it } from 'vitest';
import { type AppProcess, freePort, spawnApp } from '../helpers/app-process.js';

let child: AppProcess;
afterEach(() => child.stop());

interface JsonLine {
  level: string;
  time: number;
  pid: number;
  context?: string;
  msg?: string;
  requestId?: string;
  [field: string]: unknown;
}

const parse = (lines: string[]) => lines.filter(Boolean).map((line) => JSON.parse(line) as JsonLine);
const requestLines = (lines: JsonLine[]) => lines.filter((line) => line.context === 'HTTP' && 'dbStatements' in line);

async function post(url: string, body: object, requestId?: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(requestId ? { 'X-Request-Id': requestId } : {}) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('request logs (pino)', () => {
  it('writes one JSON line per request with method, path, route, status, duration, request id and the figures', async () => {
    child = await spawnApp({ LOG_FORMAT: 'json' });
    const url = await child.url();
    await fetch(`${url}/users?email=secret@example`, { headers: { 'X-Request-Id': 'log-check-1' } });
    const missing = await fetch(`${url}/users/999`);
    const generatedId = missing.headers.get('x-request-id');

    await child.waitForLine(new RegExp(`"requestId":"${generatedId}".*"context":"HTTP"`));
    const lines = parse(child.stdout);
    // Every line is JSON (start-up included) with a level name, a time and the pid.
    expect(lines.every((line) => typeof line.level === 'string' && line.time > 0 && line.pid > 0)).toBe(true);
    expect(requestLines(lines)).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: expect.stringMatching(/^GET \/users 200 [\d.]+ms$/),
        method: 'GET',
        path: '/users',
        route: '/users',
        status: 200,
        durationMs: expect.any(Number),
        requestId: 'log-check-1',
        dbStatements: 2,
        dbEntities: 0,
      }),
      expect.objectContaining({
        method: 'GET',
        path: '/users/999',
        route: '/users/:id',
        status: 404,
        requestId: generatedId,
        dbStatements: 1,
        dbEntities: 0,
      }),
    ]);
    expect(child.stdout.join('\n')).not.toContain('secret@example');
    // Without DB_DEBUG, no SQL.
    expect(lines.filter((line) => /\bselect\b/i.test(JSON.stringify(line)))).toEqual([]);
  });

  it('carries the request id on the SQL lines of DB_DEBUG=1', async () => {
    child = await spawnApp({ LOG_FORMAT: 'json', DB_DEBUG: '1' });
    const url = await child.url();
    await fetch(`${url}/users?name=ann`, { headers: { 'X-Request-Id': 'sql-1' } });
    await child.waitForLine(/"requestId":"sql-1".*"context":"HTTP"/);
    const sql = parse(child.stdout).filter((line) => line.context === 'MikroORM' && /'ann'/.test(line.msg ?? ''));
    expect(sql).toHaveLength(2); // the count and the page, with the value inlined for people to read
    expect(sql.map((line) => line.requestId)).toEqual(['sql-1', 'sql-1']);
  });

  it('pretty-prints one text line per request with LOG_FORMAT=text, the SQL too with DB_DEBUG=1', async () => {
    child = await spawnApp({ LOG_FORMAT: 'text', DB_DEBUG: '1' });
    const url = await child.url();
    await fetch(`${url}/users`, { headers: { 'X-Request-Id': 'text-1' } });
    const line = await child.waitForLine(/\[HTTP\].*id=text-1/);
    expect(line).toMatch(/^\[[\d:.]+\] INFO: \[HTTP\] GET \/users 200 [\d.]+ms id=text-1 dbStatements=2 dbEntities=0$/);
    expect(child.stdout.some((l) => /INFO: \[MikroORM\] \[query\] select count\(\*\).* id=text-1$/i.test(l))).toBe(
      true,
    );
  });

  it('honours LOG_LEVEL: at warn, neither start-up nor requests are logged', async () => {
    // Nothing announces the port at this level, so this spec chooses it.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = await spawnApp({ LOG_LEVEL: 'warn', PORT: String(port) });
    await waitUntilUp(`${url}/health`);
    await fetch(`${url}/users`);
    child.child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout.filter(Boolean)).toEqual([]);
  });
});

describe('no log line is lost', () => {
  const REQUESTS = 300;

  it('at SIGTERM: every request answered before the signal has its line, then the shutdown lines', async () => {
    child = await spawnApp({ LOG_FORMAT: 'json' });
    const url = await child.url();
    const statuses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        post(`${url}/users`, { name: `t${i}`, email: `t${i}@x` }, `term-${i}`),
      ),
    );
    expect(statuses.every((status) => status === 201)).toBe(true);
    child.child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const lines = parse(child.stdout);
    const ids = new Set(requestLines(lines).map((line) => line.requestId));
    expect(Array.from({ length: REQUESTS }, (_, i) => `term-${i}`).filter((id) => !ids.has(id))).toEqual([]);
    expect(lines.at(-1)?.context).toBe('Shutdown');
  });

  it('at a fatal error: its one fatal line comes after every earlier line, and the exit code is 1', async () => {
    child = await spawnApp({ LOG_FORMAT: 'json', NODE_ENV: 'test', TEST_FATAL_SIGNAL: 'SIGUSR2' });
    const url = await child.url();
    await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        post(`${url}/users`, { name: `f${i}`, email: `f${i}@x` }, `fatal-${i}`),
      ),
    );
    child.child.kill('SIGUSR2');
    expect(await child.exited).toEqual({ code: 1, signal: null });
    const lines = parse(child.stdout);
    expect(requestLines(lines)).toHaveLength(REQUESTS);
    expect(lines.at(-1)).toMatchObject({
      level: 'fatal',
      err: { message: expect.stringMatching(/test-only fatal error/) },
    });
    expect(lines.filter((line) => line.level === 'fatal')).toHaveLength(1);
  });
});

async function waitUntilUp(url: string): Promise<void> {
  for (;;) {
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    if (child.child.exitCode !== null) throw new Error(child.stderr.join('\n'));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
