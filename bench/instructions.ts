/**
 * `npm run bench:instructions [-- --requests 4000 --path /users/7 | --scenario NAME, --before DIR --node-args FLAGS]`:
 * CPU instructions per request of the app, the baseline (and an earlier build), counted by
 * valgrind's callgrind.
 *
 * Why: on this kind of machine no full `npm run bench` has been quiet (the host's speed drifts under
 * both servers), so throughput cannot settle a small difference. An instruction count does not
 * depend on how fast the host runs or what else shares it. Each server runs once under callgrind on
 * its own copy of the seed, counting off while it starts and answers `--requests` warm-up requests,
 * on (`callgrind_control`) for `--requests` more: their total divided by `--requests` is one
 * request's instructions, with nothing of start-up in it. (Counting two whole runs and subtracting,
 * as this script first did, let start-up's own variation into the figure: the baseline came out
 * 111 000-138 000 across three runs.) It counts work, not waiting: it says nothing of latency,
 * parallelism or the socket's cost in the kernel. Needs valgrind (`apt-get install -y valgrind`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './load.ts';
import { APP_NODE_ARGS } from './servers.ts';
import { SCENARIOS } from './scenarios.ts';
import { createSeededDatabase } from './seed.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PORT = 3420;

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    path: { type: 'string', default: '/users/7' },
    /** A bench scenario's requests instead of GET --path (e.g. create-user, update-user). */
    scenario: { type: 'string' },
    before: { type: 'string' },
    'node-args': { type: 'string', default: '' },
    /** Only these servers (comma-separated: app, baseline, before), e.g. to compare two builds of the app. */
    only: { type: 'string' },
  },
});
const requests = Number(values.requests);
const scenario = values.scenario === undefined ? undefined : SCENARIOS.find((s) => s.name === values.scenario);
if (values.scenario !== undefined && (!scenario || scenario.unit !== 'req/s' || scenario.prepare)) {
  const usable = SCENARIOS.filter((s) => s.unit === 'req/s' && !s.prepare).map((s) => s.name);
  throw new Error(`--scenario: one of ${usable.join(', ')}`);
}
/** What one counted request is, for the output: `GET /users/7` or the scenario's name. */
const what = scenario ? `${scenario.name} request` : `GET ${values.path}`;
/** Node flags for every server of the run (e.g. V8's `--predictable`), as `bench --node-args` takes them. */
const nodeArgs = values['node-args'];

interface Target {
  name: string;
  script: string;
  /** Node flags of this server before the run's `--node-args`: production's for the app. */
  nodeArgs: string[];
  env: (db: string) => Record<string, string>;
}

const appEnv = (db: string) => ({ NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DATABASE_URL: `sqlite:${db}` });
const targets: Target[] = [
  { name: 'app', script: 'dist/src/main.js', nodeArgs: APP_NODE_ARGS, env: appEnv },
  { name: 'baseline', script: 'bench/baseline.server.ts', nodeArgs: [], env: (db) => ({ DB_FILE: db }) },
  ...(values.before
    ? [{ name: 'before', script: join(values.before, 'src/main.js'), nodeArgs: APP_NODE_ARGS, env: appEnv }]
    : []),
];

/**
 * Instructions of `requests` requests, counted inside one run under callgrind: the process starts
 * and serves the warm-up with instrumentation off (`--instr-atstart=no`, so start-up is neither
 * counted nor slowed), `callgrind_control -i on` switches counting on for the measured requests
 * only, and `--dump` writes their total. Nothing of start-up, warm-up or shutdown is in the count.
 */
async function countRequests(target: Target, db: string, dir: string): Promise<number> {
  const log = join(dir, `${target.name}.log`);
  const out = join(dir, `${target.name}.callgrind`);
  const env = { ...process.env, ...target.env(db), PORT: String(PORT), HOST: '127.0.0.1' };
  const child = spawn(
    'sh',
    [
      '-c',
      `exec valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --callgrind-out-file=${out} ` +
        `"${process.execPath}" ${target.nodeArgs.join(' ')} ${nodeArgs} "${target.script}" >"${log}" 2>&1`,
    ],
    { cwd: ROOT, env },
  );
  const url = `http://127.0.0.1:${PORT}`;
  const next = scenario?.next ?? (() => ({ method: 'GET' as const, path: values.path! }));
  try {
    // A route every server serves (the baseline has no /health).
    await waitUntilUp(`${url}/users/7`, 600_000);
    await runLoad(url, next, { connections: 8, duration: 0, amount: requests });
    callgrindControl(['--instr=on', String(child.pid)], env);
    const counted = await runLoad(url, next, { connections: 8, duration: 0, amount: requests });
    // A count of failed requests says nothing of the route: refuse it.
    if (counted.non2xx > 0 || counted.errors > 0 || counted.total !== requests) {
      throw new Error(
        `${target.name}: of ${requests} counted requests ${counted.total} were answered, ${counted.non2xx} not 2xx, ${counted.errors} errors`,
      );
    }
    callgrindControl(['--dump', String(child.pid)], env);
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
  return dumpedInstructions(out);
}

/**
 * `callgrind_control` finds the process by files valgrind named after USER and HOST, so it gets the
 * server's own environment (HOST is the server's bind address here).
 */
function callgrindControl(args: string[], env: NodeJS.ProcessEnv): void {
  execFileSync('callgrind_control', args, { stdio: 'ignore', timeout: 120_000, env });
}

/** The `summary:` (Ir) of the first dump callgrind wrote after `--dump`: `<out>.<n>`, numbered from 1. */
function dumpedInstructions(out: string): number {
  const dir = dirname(out);
  const dumps = readdirSync(dir)
    .filter((name) => name.startsWith(`${basename(out)}.`))
    .sort();
  if (dumps.length === 0) throw new Error(`no callgrind dump next to ${out}`);
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(join(dir, dumps[0]), 'utf8'));
  if (!summary) throw new Error(`no summary line in ${dumps[0]}`);
  return Number(summary[1]);
}

async function waitUntilUp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((done) => setTimeout(done, 1000));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s under valgrind`);
}

async function main(): Promise<void> {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('valgrind is not installed: apt-get install -y valgrind');
  }
  console.log('building the app (nest build)…');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const dir = mkdtempSync(join(tmpdir(), 'users-instructions-'));
  try {
    const seed = join(dir, 'seed.sqlite3');
    console.log(`seeding ${seed}…`);
    createSeededDatabase(seed, ROOT);
    const perRequest = new Map<string, number>();
    const only = values.only?.split(',');
    for (const target of targets.filter((t) => only === undefined || only.includes(t.name))) {
      const db = join(dir, `${target.name}.sqlite3`);
      copyFileSync(seed, db);
      console.log(`${target.name}: ${requests} warm-up requests, then ${requests} counted under callgrind…`);
      const each = (await countRequests(target, db, dir)) / requests;
      perRequest.set(target.name, each);
      console.log(`${target.name}: ${Math.round(each).toLocaleString('en-US')} instructions per ${what}`);
    }
    const baseline = perRequest.get('baseline');
    for (const [name, each] of perRequest) {
      if (baseline !== undefined && name !== 'baseline')
        console.log(
          `${name} / baseline: ${(each / baseline).toFixed(2)}× the instructions (baseline/${name} ${(baseline / each).toFixed(3)}×)`,
        );
    }
    const before = perRequest.get('before');
    const app = perRequest.get('app');
    if (before && app) console.log(`app / before: ${(app / before).toFixed(3)}× the instructions`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
