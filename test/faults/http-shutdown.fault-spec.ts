import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppProcess } from '../helpers/app-process.js';
import { send, until, type Outcome } from '../helpers/http-client.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Keep-alive clients, each on its own connection, creating users one after the other. */
const CLIENTS = 24;
/** Creates acknowledged before SIGTERM, so the load is steady when it comes. */
const CREATES_BEFORE_TERM = 300;
/**
 * Readiness stays 503 this long before the port closes (SHUTDOWN_DELAY_MS): long enough, on a busy
 * machine, for clients to send new requests after shutdown began and get their answers.
 */
const DELAY_MS = 1500;
const TIMEOUT_MS = 8000;

interface Create extends Outcome {
  name: string;
  sentAt: number;
}

/** Where the app writes, and how the spec reads back the names of the users it stored. */
interface Target {
  url: string;
  storedNames(): Promise<Set<string>>;
  remove(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dir = tempDir();
  const file = join(dir.path, 'shutdown.sqlite3');
  return {
    url: `sqlite:${file}`,
    async storedNames() {
      const db = new Database(file, { readonly: true });
      try {
        return new Set((db.prepare('select name from users').all() as { name: string }[]).map((row) => row.name));
      } finally {
        db.close();
      }
    },
    async remove() {
      dir.remove();
    },
  };
}

let cluster: PostgresCluster | undefined;
afterAll(() => cluster?.remove());

async function postgresTarget(): Promise<Target> {
  cluster ??= await startPostgresCluster();
  const url = await cluster.createDatabase('shutdown');
  return {
    url,
    async storedNames() {
      const out = await cluster!.psql('select name from users', 'shutdown');
      return new Set(out.split('\n').filter(Boolean));
    },
    async remove() {},
  };
}

describe.each([
  ['SQLite', sqliteTarget, 1],
  ['PostgreSQL', postgresTarget, 1],
  ['SQLite, WORKERS=2', sqliteTarget, 2],
])('SIGTERM under keep-alive write load (%s)', (_kind, makeTarget, workers) => {
  it('turns readiness 503, closes every connection after its answer, and answers every committed create', async () => {
    const target = await makeTarget();
    const app = await startAppProcess({
      DATABASE_URL: target.url,
      LOG_FORMAT: 'json',
      SHUTDOWN_DELAY_MS: String(DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(TIMEOUT_MS),
      WORKERS: String(workers),
    });
    await until(() => app.stdout.filter((line) => line.includes('listening on')).length === workers, 60_000, 'workers');
    const creates: Create[] = [];
    const probes: Outcome[] = [];
    let termAt = Number.POSITIVE_INFINITY;
    let acknowledged = 0;
    let n = 0;

    // Each client reuses its one connection for as long as the server keeps it open, as
    // keep-alive clients and proxies do: the traffic the old shutdown kept serving until it cut it.
    const client = async (c: number) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (;;) {
          const name = `sd-${c}-${n++}`;
          const sentAt = Date.now();
          const outcome = await send(agent, app.url, 'POST', '/users', { name, email: `${name}@x.test` });
          creates.push({ ...outcome, name, sentAt });
          if (outcome.status === 201) acknowledged++;
          // Once the server is going away, a refused connection means the port is closed: done.
          if (outcome.error === 'ECONNREFUSED' && outcome.at > termAt) return;
        }
      } finally {
        agent.destroy();
      }
    };
    // Readiness, as a balancer polls it, on its own keep-alive connection.
    const probe = async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (;;) {
          const outcome = await send(agent, app.url, 'GET', '/health');
          probes.push(outcome);
          if (outcome.error === 'ECONNREFUSED' && outcome.at > termAt) return;
          await sleep(20);
        }
      } finally {
        agent.destroy();
      }
    };
    const load = Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), probe()]);
    await until(() => acknowledged >= CREATES_BEFORE_TERM, 60_000, `${CREATES_BEFORE_TERM} creates`);

    termAt = Date.now();
    const exit = await app.stop('SIGTERM');
    const exitedAt = Date.now();
    await load;
    const stored = await target.storedNames();
    await target.remove();

    const after = creates.filter((c) => c.at > termAt);
    const errors = creates.filter((c) => c.error !== undefined);
    console.log(
      `${creates.length} creates (${after.length} answered after SIGTERM), ` +
        `${creates.filter((c) => c.status === 201).length} x 201, errors: ${JSON.stringify(countBy(errors, (c) => c.error!))}, ` +
        `exit ${exitedAt - termAt}ms after SIGTERM`,
    );

    expect(exit).toEqual({ code: 0, signal: null });
    // Drained, not cut: nothing was still running at SHUTDOWN_TIMEOUT_MS, and the last lines were flushed.
    expect(app.stdout.some((line) => line.includes('requests still running'))).toBe(false);
    expect(app.stdout.filter((line) => line.includes('requests in flight finished')).length).toBe(workers);

    // Every answer was a 201, and every stored row was answered 201: no committed create was
    // answered with a reset (or anything else), no 201 was lost.
    expect(creates.filter((c) => c.status !== undefined && c.status !== 201)).toEqual([]);
    const created = new Set(creates.filter((c) => c.status === 201).map((c) => c.name));
    expect([...stored].filter((name) => !created.has(name))).toEqual([]);
    expect([...created].filter((name) => !stored.has(name))).toEqual([]);
    // A request with no answer is one the service never read: refused, or sent on a connection it
    // closed while idle. Nothing timed out waiting.
    expect(errors.filter((c) => !['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(c.error!))).toEqual([]);

    // Readiness said 503 (shutting down) while the service still answered.
    const notReady = probes.filter((p) => p.at > termAt && p.status === 503);
    expect(notReady.length).toBeGreaterThan(0);
    expect(JSON.parse(notReady[0].body!)).toMatchObject({ error: { shutdown: { status: 'down' } } });
    expect(probes.filter((p) => p.at < termAt && p.status !== 200)).toEqual([]);
    // Every create sent once shutdown had begun (the service's log line says when, on the same
    // clock) and answered was told `Connection: close`, so keep-alive clients move off instead of
    // being cut. Before SIGTERM, no answer closed its connection.
    // With WORKERS=2, each worker says so: from the later one, every process had begun.
    const began = app.stdout
      .map((line) => JSON.parse(line) as { msg?: string; time: number })
      .filter((line) => line.msg?.startsWith('shutting down'))
      .map((line) => line.time);
    expect(began.length).toBe(workers);
    const sentWhileDraining = creates.filter((c) => c.sentAt > Math.max(...began) && c.status !== undefined);
    expect(sentWhileDraining.length).toBeGreaterThan(0);
    expect(sentWhileDraining.filter((c) => c.connection !== 'close')).toEqual([]);
    expect(creates.filter((c) => c.at < termAt && c.connection === 'close')).toEqual([]);
  });
});

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
