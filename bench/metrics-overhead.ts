// What METRICS=1 costs on `GET /users/:id`: two app processes built from the same dist/, one with
// METRICS=1 and one without, each on its own fresh SQLite file, loaded alternately by autocannon
// (ABBA order, so drift on a shared machine hits both alike). Run with `npm run bench:metrics`.
// Loads only 127.0.0.1, bounded in time. Env: ROUNDS (default 6), SECONDS per round (default 5),
// CONNECTIONS (default 10), PORT_BASE (default 3510; the two servers take it and the next one).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const PORT_BASE = Number(process.env.PORT_BASE ?? 3510);

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

async function start(name: string, port: number, env: Record<string, string>, dir: string): Promise<Server> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      ALLOW_ANONYMOUS: '1',
      DB_MIGRATE: '1',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite3`)}`,
      ...env,
    },
    // Request log lines are written (as in production) and thrown away.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error(`${name} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'admin', email: 'admin@localhost' }),
  });
  if (created.status !== 201) throw new Error(`${name}: seeding answered ${created.status}`);
  return { name, url, child };
}

/** CPU seconds (user + system) the process has used, from /proc (Linux): less swayed by other load than req/s. */
function cpuSeconds(server: Server): number {
  const stat = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time per request, in microseconds. */
  cpuUs: number;
  requests: number;
  cpu: number;
}

async function load(server: Server, seconds: number): Promise<Round> {
  const cpuBefore = cpuSeconds(server);
  const result = await autocannon({ url: `${server.url}/users/1`, connections: CONNECTIONS, duration: seconds });
  const cpu = cpuSeconds(server) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${server.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs: (cpu / requests) * 1e6,
    requests,
    cpu,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'users-service-bench-metrics-'));
const servers: Server[] = [];
try {
  const plain = await start('plain', PORT_BASE, {}, dir);
  servers.push(plain);
  const metrics = await start('metrics', PORT_BASE + 1, { METRICS: '1' }, dir);
  servers.push(metrics);
  if (!(await (await fetch(`${metrics.url}/metrics`)).text()).includes('http_request_duration_seconds')) {
    throw new Error('the METRICS=1 server serves no metrics');
  }
  if ((await fetch(`${plain.url}/metrics`)).status !== 404) throw new Error('the plain server serves metrics');
  console.log(
    `GET /users/1, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS}s per server (ABBA), ${cpus().length} CPUs, Node ${process.version}`,
  );
  await load(plain, 2); // warm-up: JIT, SQLite page cache
  await load(metrics, 2);
  const totals = { plain: { rps: 0, requests: 0, cpu: 0 }, metrics: { rps: 0, requests: 0, cpu: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [plain, metrics] : [metrics, plain];
    const line: string[] = [];
    for (const server of order) {
      const r = await load(server, SECONDS);
      const total = totals[server.name as 'plain' | 'metrics'];
      total.rps += r.rps;
      total.requests += r.requests;
      total.cpu += r.cpu;
      line.push(
        `${server.name.padEnd(7)} ${r.rps.toFixed(0).padStart(6)} req/s p50 ${r.p50} ms p99 ${r.p99} ms ${r.cpuUs.toFixed(0)} µs CPU/req`,
      );
    }
    console.log(`round ${round + 1}: ${line.join(' | ')}`);
  }
  const ratio = totals.metrics.rps / totals.plain.rps;
  const cpuPlain = (totals.plain.cpu / totals.plain.requests) * 1e6;
  const cpuMetrics = (totals.metrics.cpu / totals.metrics.requests) * 1e6;
  console.log(
    `mean: without ${(totals.plain.rps / ROUNDS).toFixed(0)} req/s, METRICS=1 ${(totals.metrics.rps / ROUNDS).toFixed(0)} req/s: ` +
      `throughput ratio ${ratio.toFixed(3)}; server CPU per request ${cpuPlain.toFixed(0)} µs vs ${cpuMetrics.toFixed(0)} µs: ` +
      `ratio ${(cpuMetrics / cpuPlain).toFixed(3)}`,
  );
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  await Promise.all(
    servers.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))),
  );
  rmSync(dir, { recursive: true, force: true });
}
