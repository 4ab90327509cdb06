import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 14, failures 1 and 8: SQLite on a real 4 MB tmpfs, filled by POST /users/bulk. A full
 * disk answers 507 JSON naming no path, reads keep being served, and once space is freed writes
 * succeed again in the same process (no wedged connection, no restart).
 * Needs root for `mount`; without it the spec says so and is skipped (CI runs as root).
 */
const dir = tempDir('users-service-full-');
const mountPoint = join(dir.path, 'fs');
let mounted = false;
try {
  mkdirSync(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (error) {
  console.warn(`sqlite disk-full spec skipped: cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})`);
}

const TIMEOUT = { timeout: 15_000 } as const;

/** 1000 users of ~120 bytes each: a few batches fill the 4 MB. */
const batch = (n: number) =>
  Array.from({ length: 1000 }, (_, i) => ({ name: `u${n}-${i}`, email: `user-${n}-${i}-${'x'.repeat(90)}@e.org` }));

describe.skipIf(!mounted)('SQLite on a full disk', () => {
  let app: RunningApp;
  const ballast = join(mountPoint, 'ballast');

  beforeAll(async () => {
    // Space to give back later: deleting the ballast is "the operator freed space".
    writeFileSync(ballast, Buffer.alloc(1024 * 1024));
    app = await startAppProcess({ DATABASE_URL: `sqlite:${join(mountPoint, 'app.sqlite3')}` });
  });
  afterAll(async () => {
    await app?.stop();
    execFileSync('umount', ['-l', mountPoint]);
    dir.remove();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT.timeout),
    });
  const get = (path: string) => fetch(`${app.url}${path}`, { signal: AbortSignal.timeout(TIMEOUT.timeout) });

  it('answers 507 JSON when full, keeps reading, and writes again once space is freed', async () => {
    let created = 0;
    let full: Response | undefined;
    for (let n = 0; n < 60 && !full; n++) {
      const res = await post('/users/bulk', batch(n));
      if (res.status === 201) created += 1000;
      else full = res;
    }
    expect(full?.status, 'the tmpfs never filled up').toBe(507);
    const body = (await full!.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 507, error: 'Insufficient Storage' });
    expect(JSON.stringify(body)).not.toContain(mountPoint);
    expect(JSON.stringify(body)).not.toMatch(/sqlite3|SQLITE_/);
    expect(created).toBeGreaterThan(0);

    // The failed transaction left the connection usable: ORM reads answer (they hung before).
    for (let round = 0; round < 3; round++) {
      const list = await get('/users?limit=5');
      expect(list.status).toBe(200);
      expect((await get('/users/1')).status).toBe(200);
      expect((await get('/health')).status).toBe(200);
      // Still full: a write is refused again, promptly, with the same status.
      const again = await post('/users', { name: `late-${round}`, email: `late-${round}@e.org` });
      expect([507, 201]).toContain(again.status);
    }

    rmSync(ballast);
    const after = await post('/users', { name: 'after-free', email: 'after-free@e.org' });
    expect(after.status).toBe(201);
    expect((await post('/users/bulk', batch(999).slice(0, 100))).status).toBe(201);
    const count = (await (await get('/users/stats')).json()) as { users: number };
    expect(count.users).toBeGreaterThanOrEqual(created + 101);
  });
});
