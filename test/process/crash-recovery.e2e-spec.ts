import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { tempDir } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

const dir = tempDir();
const file = join(dir.path, 'crash.sqlite3');
const processes: RunningApp[] = [];
afterAll(async () => {
  for (const p of processes) await p.stop('SIGKILL');
  dir.remove();
});

/**
 * Keeps `concurrency` creates in flight until `stop()` says so; returns the names the app
 * acknowledged with a 201. Requests cut off by the crash simply fail and are not counted.
 */
function createUntilStopped(url: string, concurrency: number) {
  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let running = true;
  let n = 0;
  const worker = async (w: number) => {
    while (running) {
      const name = `crash-${w}-${n++}`;
      try {
        const res = await fetch(`${url}/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, email: `${name}@x` }),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) acknowledged.push(name);
        await res.arrayBuffer();
      } catch {
        return; // the server is gone
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { acknowledged, statuses, stop: () => ((running = false), done) };
}

describe.skipIf(onPostgres)('crash under write load (SIGKILL)', () => {
  it('keeps every acknowledged create and leaves an intact database file', async () => {
    const first = await startAppProcess({ DATABASE_URL: `sqlite:${file}` });
    processes.push(first);
    const load = createUntilStopped(first.url, 32);
    while (load.acknowledged.length < 500) await new Promise((r) => setTimeout(r, 20));

    const killed = await first.stop('SIGKILL'); // mid-load: requests are in flight
    await load.stop();
    expect(killed.signal).toBe('SIGKILL');
    expect([...load.statuses.keys()].every((s) => s === 201)).toBe(true);

    const second = await startAppProcess({ DATABASE_URL: `sqlite:${file}` });
    processes.push(second);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const names = new Set((db.prepare('select name from users').all() as { name: string }[]).map((r) => r.name));
      const missing = load.acknowledged.filter((name) => !names.has(name));
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
    // The restarted app serves what the first one acknowledged.
    const last = load.acknowledged.at(-1)!;
    const res = await fetch(`${second.url}/users?name=${last}`);
    expect(((await res.json()) as { total: number }).total).toBe(1);
    await second.stop('SIGTERM');
  });
});
