import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppProcess } from '../helpers/app-process.js';
import { onPostgres } from '../helpers/test-database.js';
import { tempDir } from '../helpers/test-app.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** How long before SIGTERM a new connection may still be cut before its request is read. */
const CONNECT_WINDOW_MS = 250;

interface Outcome {
  status?: number;
  error?: string;
  /** When the request was sent, relative to SIGTERM (negative: before). */
  sentAt: number;
}

describe.skipIf(onPostgres)('SIGTERM under write load', () => {
  it('finishes the requests in flight, refuses new connections, exits 0, and keeps every acknowledged write', async () => {
    const file = join(dir.path, 'term.sqlite3');
    const app = await startAppProcess({ DATABASE_URL: `sqlite:${file}`, SHUTDOWN_TIMEOUT_MS: '10000' });
    const outcomes: Outcome[] = [];
    const acknowledged: string[] = [];
    let termAt = Number.POSITIVE_INFINITY;
    let n = 0;
    let running = true;

    const worker = async (w: number) => {
      while (running) {
        const name = `term-${w}-${n++}`;
        const sentAt = Date.now();
        try {
          // A fresh connection per request, so requests sent after SIGTERM meet the closed port.
          const res = await fetch(`${app.url}/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', connection: 'close' },
            body: JSON.stringify({ name, email: `${name}@x` }),
          });
          await res.arrayBuffer();
          outcomes.push({ status: res.status, sentAt: sentAt - termAt });
          if (res.status === 201) acknowledged.push(name);
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause;
          outcomes.push({ error: cause?.code ?? String(error), sentAt: sentAt - termAt });
          if (Date.now() > termAt) return; // the server is going away: stop this worker
        }
      }
    };
    const workers = Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 10));

    termAt = Date.now();
    const exit = await app.stop('SIGTERM');
    running = false;
    await workers;

    expect(exit).toEqual({ code: 0, signal: null });
    // Every request got an answer, and every answer was a 201: nothing in flight was cut or failed.
    expect(outcomes.filter((o) => o.status !== undefined && o.status !== 201)).toEqual([]);
    // The only failures are at the connection level, for requests sent as SIGTERM arrived: refused
    // once the port is closed, or reset when their connection had been accepted but carried no
    // request yet (Node closes such idle connections with the server). A request the server had
    // started to read always got its answer (the in-flight drain above).
    const failures = outcomes.filter((o) => o.error !== undefined);
    expect(failures.length).toBeGreaterThan(0); // some requests did meet the closed server
    const unexpected = failures.filter(
      (o) => !(o.sentAt >= -CONNECT_WINDOW_MS && ['ECONNREFUSED', 'ECONNRESET'].includes(o.error!)),
    );
    expect(unexpected).toEqual([]);

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const names = new Set((db.prepare('select name from users').all() as { name: string }[]).map((r) => r.name));
      expect(acknowledged.filter((name) => !names.has(name))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
