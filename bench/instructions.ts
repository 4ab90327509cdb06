/**
 * `npm run bench:instructions [-- --requests 4000 --path /users/7 --before DIR]`: CPU instructions
 * per request of the app, the baseline (and an earlier build), counted by valgrind's callgrind.
 *
 * Why: on this kind of machine no full `npm run bench` has been quiet (the host's speed drifts under
 * both servers), so throughput cannot settle a small difference. An instruction count does not
 * depend on how fast the host runs or what else shares it: the same program, inputs and environment
 * give the same count. Each server runs twice under callgrind on its own copy of the seed, answering
 * `--requests` warm-up requests, then (second run only) `--requests` more; the difference of the two
 * totals divided by `--requests` is one request's instructions, start-up and warm-up cancelled out.
 * It counts work, not waiting: it says nothing of latency, parallelism or the socket's cost in the
 * kernel. Needs valgrind (`apt-get install -y valgrind`); takes a few minutes per server.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './load.ts';
import { createSeededDatabase } from './seed.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PORT = 3420;

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    path: { type: 'string', default: '/users/7' },
    before: { type: 'string' },
  },
});
const requests = Number(values.requests);

interface Target {
  name: string;
  script: string;
  env: (db: string) => Record<string, string>;
}

const appEnv = (db: string) => ({ NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DATABASE_URL: `sqlite:${db}` });
const targets: Target[] = [
  { name: 'app', script: 'dist/src/main.js', env: appEnv },
  { name: 'baseline', script: 'bench/baseline.server.ts', env: (db) => ({ DB_FILE: db }) },
  ...(values.before ? [{ name: 'before', script: join(values.before, 'src/main.js'), env: appEnv }] : []),
];

/** Total instructions of one run under callgrind: `warm` requests, then `measured` more. */
async function countRun(target: Target, db: string, dir: string, measured: number): Promise<number> {
  const log = join(dir, `${target.name}-${measured}.log`);
  const child = spawn(
    'sh',
    [
      '-c',
      `exec valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=${join(dir, 'callgrind.out')} ` +
        `"${process.execPath}" "${target.script}" >"${log}" 2>&1`,
    ],
    { cwd: ROOT, env: { ...process.env, ...target.env(db), PORT: String(PORT), HOST: '127.0.0.1' } },
  );
  const url = `http://127.0.0.1:${PORT}`;
  await waitUntilUp(`${url}${values.path}`, 600_000);
  const next = () => ({ method: 'GET' as const, path: values.path! });
  await runLoad(url, next, { connections: 8, duration: 0, amount: requests });
  if (measured > 0) await runLoad(url, next, { connections: 8, duration: 0, amount: measured });
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
  const refs = /I\s+refs:\s+([\d,]+)/.exec(readFileSync(log, 'utf8'));
  if (!refs) throw new Error(`${target.name}: no instruction count in ${log}`);
  return Number(refs[1].replaceAll(',', ''));
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
    for (const target of targets) {
      const db = join(dir, `${target.name}.sqlite3`);
      copyFileSync(seed, db);
      console.log(`${target.name}: ${requests} warm-up requests, then ${requests} counted (two runs under callgrind)…`);
      const warmOnly = await countRun(target, db, dir, 0);
      const withMeasured = await countRun(target, db, dir, requests);
      const each = (withMeasured - warmOnly) / requests;
      perRequest.set(target.name, each);
      console.log(`${target.name}: ${Math.round(each).toLocaleString('en-US')} instructions per GET ${values.path}`);
    }
    const baseline = perRequest.get('baseline')!;
    for (const [name, each] of perRequest) {
      if (name !== 'baseline')
        console.log(
          `${name} / baseline: ${(each / baseline).toFixed(2)}× the instructions (baseline/${name} ${(baseline / each).toFixed(3)}×)`,
        );
    }
    const before = perRequest.get('before');
    if (before) console.log(`app / before: ${(perRequest.get('app')! / before).toFixed(3)}× the instructions`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
