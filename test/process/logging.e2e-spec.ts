import { afterEach, describe, expect, it } from 'vitest';
import { type AppProcess, freePort, spawnApp } from '../helpers/app-process.js';

let child: AppProcess;
afterEach(() => child.stop());

interface JsonLine {
  level: string;
  context?: string;
  message: unknown;
}

describe('request logs', () => {
  it('writes one JSON line per request with method, path, status, duration and request id', async () => {
    child = await spawnApp({ LOG_FORMAT: 'json' });
    const url = await child.url();
    await fetch(`${url}/users?email=secret@example`, { headers: { 'X-Request-Id': 'log-check-1' } });
    const missing = await fetch(`${url}/users/999`);
    const generatedId = missing.headers.get('x-request-id');

    await child.waitForLine(new RegExp(generatedId!));
    const lines = child.stdout.filter(Boolean).map((line) => JSON.parse(line) as JsonLine);
    const requests = lines.filter((line) => line.context === 'HTTP').map((line) => line.message);
    expect(requests).toEqual([
      {
        method: 'GET',
        path: '/users',
        route: '/users',
        status: 200,
        durationMs: expect.any(Number),
        requestId: 'log-check-1',
        dbStatements: 2,
        dbEntities: 0,
      },
      {
        method: 'GET',
        path: '/users/999',
        route: '/users/:id',
        status: 404,
        durationMs: expect.any(Number),
        requestId: generatedId,
        dbStatements: 1,
        dbEntities: 0,
      },
    ]);
    expect(child.stdout.join('\n')).not.toContain('secret@example');
    // Without DB_DEBUG, no SQL.
    expect(lines.filter((line) => /\bselect\b/i.test(JSON.stringify(line.message)))).toEqual([]);
  });

  it('writes text lines by default, and the SQL too with DB_DEBUG=1', async () => {
    child = await spawnApp({ DB_DEBUG: '1' });
    const url = await child.url();
    await fetch(`${url}/users`, { headers: { 'X-Request-Id': 'text-1' } });
    const line = await child.waitForLine(/text-1/);
    expect(line).toMatch(/\[HTTP\] GET \/users 200 [\d.]+ms id=text-1 dbStatements=2 dbEntities=0$/);
    expect(child.stdout.some((l) => /\[MikroORM\] \[query\] select count\(\*\)/i.test(l))).toBe(true);
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
