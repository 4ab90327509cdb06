/**
 * `npm run cluster:measure`: what the two-node cluster can show on one machine, against a cluster
 * of its own (cluster.sh up) and one app process from the sources:
 * 1. the share of reads (outside a transaction) served by the replica, from /metrics;
 * 2. the extra latency of a token-bound read (X-Read-After) while the replica applies WAL 1 s
 *    late, against a read without token, and the same with the replica caught up;
 * 3. failover, 5 times: SIGKILL the leader's postmaster under write load, time from the kill to
 *    the first 201, and acknowledged creates missing afterwards (target: 0 lost, under 15 s).
 * Prints the figures and writes them to bench/results/cluster-measure.json. Timings depend on
 * the machine's load: say how busy it was when quoting them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPT = resolve(ROOT, 'scripts/cluster/cluster.sh');
const FAILOVERS = Number(process.env.FAILOVERS ?? 5);

const dir = mkdtempSync(join(tmpdir(), 'users-service-cluster-measure-'));
const ctl = async (...args: string[]) =>
  (await run('bash', [SCRIPT, ...args], { env: { ...process.env, CLUSTER_DIR: dir } })).stdout.trim();

function clusterEnv(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(dir, 'cluster.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function startApp(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', resolve(ROOT, 'test/helpers/ts-hooks.mjs'), resolve(ROOT, 'src/main.ts')],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), METRICS: '1', ...env },
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (
      await fetch(`${url}/health`).then(
        (res) => res.ok,
        () => false,
      )
    )
      return { url, child };
    await sleep(250);
  }
  throw new Error('the app did not start');
}

const json = { 'content-type': 'application/json' };
let sequence = 0;

async function create(url: string): Promise<{ status: number; id?: number; email: string; token?: string }> {
  const email = `m${++sequence}-${Date.now()}@example.com`;
  try {
    const res = await fetch(`${url}/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: email.split('@')[0], email }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json()) as { id?: number };
    return { status: res.status, id: body.id, email, token: res.headers.get('x-consistency-token') ?? undefined };
  } catch {
    return { status: 0, email };
  }
}

async function readRoutes(url: string): Promise<{ replica: number; primary: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let replica = 0;
  let primary = 0;
  for (const match of text.matchAll(/^db_read_routing_total\{target="(\w+)",reason="\w+"\} (\d+)/gm)) {
    if (match[1] === 'replica') replica += Number(match[2]);
    else primary += Number(match[2]);
  }
  return { replica, primary };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function readShare(url: string, ids: number[]) {
  const before = await readRoutes(url);
  for (let i = 0; i < 300; i++) {
    const id = ids[i % ids.length];
    await fetch(i % 3 === 0 ? `${url}/users?page=1` : `${url}/users/${id}`).then((res) => res.arrayBuffer());
  }
  const after = await readRoutes(url);
  const replica = after.replica - before.replica;
  const primary = after.primary - before.primary;
  return { reads: replica + primary, onReplica: replica, share: replica / (replica + primary) };
}

async function tokenLatency(url: string, id: number, rounds = 30) {
  const withToken: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const res = await fetch(`${url}/users/${id}`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ name: `t${i}-${id}` }),
    });
    const token = res.headers.get('x-consistency-token')!;
    withToken.push(
      await timed(() =>
        fetch(`${url}/users/${id}`, { headers: { 'X-Read-After': token } }).then((r) => r.arrayBuffer()),
      ),
    );
    without.push(await timed(() => fetch(`${url}/users/${id}`).then((r) => r.arrayBuffer())));
  }
  return {
    medianWithTokenMs: median(withToken),
    medianWithoutMs: median(without),
    extraMs: median(withToken) - median(without),
  };
}

async function failover(url: string, directUrl: string) {
  const outcomes: { status: number; email: string; startedAt: number; endedAt: number }[] = [];
  let running = true;
  const writer = async () => {
    while (running) {
      const startedAt = Date.now();
      const result = await create(url);
      outcomes.push({ status: result.status, email: result.email, startedAt, endedAt: Date.now() });
      if (result.status !== 201) await sleep(50);
    }
  };
  const load = [writer(), writer(), writer()];
  await sleep(1500);
  const killed = await ctl('kill-leader');
  const killedAt = Date.now();
  let firstWrite: number | undefined;
  while (firstWrite === undefined && Date.now() - killedAt < 60_000) {
    firstWrite = outcomes.find((o) => o.status === 201 && o.startedAt > killedAt)?.endedAt;
    await sleep(20);
  }
  await sleep(1000);
  running = false;
  await Promise.all(load);
  await ctl('wait-healthy');
  const { stdout } = await run('psql', [directUrl, '-qAtc', "select email from users where email like 'm%'"], {
    maxBuffer: 1 << 26,
  });
  const stored = new Set(stdout.split('\n').filter(Boolean));
  const acknowledged = outcomes.filter((o) => o.status === 201);
  const statuses: Record<string, number> = {};
  for (const o of outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  return {
    killed,
    killToFirst201Ms: firstWrite === undefined ? null : firstWrite - killedAt,
    acknowledged: acknowledged.length,
    acknowledgedLost: acknowledged.filter((o) => !stored.has(o.email)).length,
    refusedButStored: outcomes.filter((o) => o.status !== 201 && stored.has(o.email)).length,
    statuses,
  };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  console.log(
    `cluster in ${dir}; machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await run('bash', [SCRIPT, 'up'], { env: { ...process.env, CLUSTER_DIR: dir } });
  const env = clusterEnv();
  const app = await startApp({
    DATABASE_URL: env.DATABASE_URL,
    DATABASE_READ_URLS: env.DATABASE_READ_URLS,
    DB_PREPARED_STATEMENTS: '0',
    // The replica is kept readable while 1 s behind, so token-bound reads have to wait or go round it.
    DB_REPLICA_MAX_LAG_MS: '5000',
  });
  try {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await create(app.url)).id!);
    await sleep(500);
    const share = await readShare(app.url, ids);
    console.log(`reads on the replica: ${share.onReplica}/${share.reads} (${(share.share * 100).toFixed(1)}%)`);
    const caughtUp = await tokenLatency(app.url, ids[0]);
    console.log(
      `token-bound read, replica caught up: median ${caughtUp.medianWithTokenMs.toFixed(1)} ms vs ${caughtUp.medianWithoutMs.toFixed(1)} ms without token`,
    );
    await ctl('delay', '1s');
    const behind = await tokenLatency(app.url, ids[1]);
    console.log(
      `token-bound read, replica 1 s behind: median ${behind.medianWithTokenMs.toFixed(1)} ms vs ${behind.medianWithoutMs.toFixed(1)} ms without token (+${behind.extraMs.toFixed(1)} ms)`,
    );
    await ctl('delay', '0');
    const failovers = [];
    for (let i = 1; i <= FAILOVERS; i++) {
      const result = await failover(app.url, env.DATABASE_DIRECT_URL);
      failovers.push(result);
      console.log(
        `failover ${i}: kill -> first 201 ${result.killToFirst201Ms} ms, ${result.acknowledged} acknowledged, ${result.acknowledgedLost} lost, ${result.refusedButStored} refused but stored, statuses ${JSON.stringify(result.statuses)}`,
      );
    }
    const report = {
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg(),
        note: 'shared, busy machine: timings are indicative only',
      },
      readShare: share,
      tokenBoundRead: { replicaCaughtUp: caughtUp, replicaOneSecondBehind: behind },
      failovers,
    };
    mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(resolve(ROOT, 'bench/results/cluster-measure.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('written to bench/results/cluster-measure.json');
  } finally {
    app.child.kill('SIGTERM');
    await sleep(1000);
    await run('bash', [SCRIPT, 'down'], { env: { ...process.env, CLUSTER_DIR: dir } });
  }
}

await main();
