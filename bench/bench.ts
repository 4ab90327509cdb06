/**
 * `npm run bench [-- options]`: the app against the raw baseline, alternating in one run.
 * `npm run bench -- soak`: 100 000 mixed requests against the app, memory at start, middle, end.
 * Options: --connections/-c 64, --duration/-d 10 (s), --scenario/-s get-user,create-user,
 * --rounds 1, --warmup 2 (s), --json FILE, --svg FILE, --cpu-prof DIR (profiles the app),
 * --no-build, --verbose. WORKERS=N|auto (or --workers) runs both servers as N processes.
 * --before DIR (a copy of an earlier `dist/`, e.g. dist/before) runs that build as a third server
 * in the same rotation, to measure one change's effect as an after/before ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureExport, probe, runLoad, type LoadResult } from './load.ts';
import { toMarkdown, writeJson, writeSvg, type Report, type Row, type Side } from './report.ts';
import { EXPORT_ROWS, SCENARIOS, type Scenario } from './scenarios.ts';
import { copyDatabase, createSeededDatabase, growUsers } from './seed.ts';
import { startServer, type Server } from './servers.ts';
import { runSoak } from './soak.ts';

const ROOT = resolve(import.meta.dirname, '..');
const APP_PORT = 3410;
const BASELINE_PORT = 3411;
const BEFORE_PORT = 3412;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string', short: 'c', default: '64' },
    duration: { type: 'string', short: 'd', default: '10' },
    scenario: { type: 'string', short: 's' },
    rounds: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '2' },
    workers: { type: 'string', default: process.env.WORKERS ?? '1' },
    json: { type: 'string' },
    svg: { type: 'string' },
    'cpu-prof': { type: 'string' },
    before: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const connections = Number(values.connections);
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const workers = values.workers === 'auto' ? availableParallelism() : Number(values.workers);
if (![connections, duration, rounds, workers].every((n) => Number.isInteger(n) && n > 0) || !(warmup >= 0)) {
  console.error('bench: --connections, --duration, --rounds and WORKERS must be positive integers');
  process.exit(2);
}
const wanted = values.scenario?.split(',').map((s) => s.trim());
const scenarios = SCENARIOS.filter((s) => !wanted || wanted.some((w) => s.name.includes(w)));
if (scenarios.length === 0) {
  console.error(`bench: no scenario matches ${values.scenario}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const log = (message: string) => console.log(message);
const mb = (bytes: number) => bytes / 1024 / 1024;

async function main(): Promise<void> {
  if (!values['no-build']) {
    log('building the app (nest build)…');
    execFileSync(process.execPath, [join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'users-bench-'));
  const servers: Server[] = [];
  try {
    const seeded = join(dir, 'seed.sqlite3');
    log(`seeding ${seeded} (10 000 users, 20 000 posts)…`);
    createSeededDatabase(seeded, ROOT);
    const appDb = join(dir, 'app.sqlite3');
    const baselineDb = join(dir, 'baseline.sqlite3');
    copyDatabase(seeded, appDb);
    copyDatabase(seeded, baselineDb);
    const beforeDb = join(dir, 'before.sqlite3');
    if (values.before) copyDatabase(seeded, beforeDb);

    const soak = positionals[0] === 'soak';
    const cpuProf = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] : [];
    const app = await startServer({
      name: 'app',
      port: APP_PORT,
      script: 'dist/src/main.js',
      nodeArgs: [...cpuProf, ...(soak ? ['--expose-gc'] : [])],
      env: { DATABASE_URL: `sqlite:${appDb}`, NODE_ENV: 'development', WORKERS: String(workers) },
      cwd: ROOT,
      verbose: values.verbose,
    });
    servers.push(app);
    if (soak) {
      await runSoak(app, connections);
      return;
    }
    const baseline = await startServer({
      name: 'baseline',
      port: BASELINE_PORT,
      script: 'bench/baseline.server.ts',
      env: { DB_FILE: baselineDb, WORKERS: String(workers) },
      cwd: ROOT,
      verbose: values.verbose,
    });
    servers.push(baseline);
    const before = values.before
      ? await startServer({
          name: 'before',
          port: BEFORE_PORT,
          script: join(values.before, 'src/main.js'),
          env: { DATABASE_URL: `sqlite:${beforeDb}`, NODE_ENV: 'development', WORKERS: String(workers) },
          cwd: ROOT,
          verbose: values.verbose,
        })
      : undefined;
    if (before) servers.push(before);
    log(
      `app ${app.url} and baseline ${baseline.url}, ${workers} process(es) each; ${connections} connections, ${duration} s per run\n`,
    );

    const rows: Row[] = [];
    for (const scenario of scenarios) {
      const row =
        scenario.name === 'export'
          ? await exportScenario(scenario, app, baseline, [appDb, baselineDb])
          : await loadScenario(scenario, app, baseline, before);
      rows.push(row);
    }
    const report: Report = {
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
      node: process.versions.node,
      connections,
      durationSeconds: duration,
      workers,
      rows,
    };
    log(`\n${toMarkdown(report)}\n`);
    if (values.json) writeJson(values.json, report);
    if (values.svg) writeSvg(values.svg, report);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks that both servers serve the scenario's route; the app may not have it yet. */
async function missingRoute(scenario: Scenario, server: Server): Promise<string | undefined> {
  const status = await probe(server.url, scenario.next());
  return status >= 200 && status < 300 ? undefined : `probe answered ${status}`;
}

/** How many times more CPU per request `a` uses than `b` (the baseline), inverted: b/a. */
const cpu = (a: Side, b: Side) => (b.cpuUs! / a.cpuUs!).toFixed(3);

function toSide(result: LoadResult, scenario: Scenario, cpuSeconds: number): Side {
  return {
    cpuUs: (cpuSeconds * 1e6) / Math.max(result.total, 1),
    throughput: result.rps * (scenario.rowsPerRequest ?? 1),
    p50: result.p50,
    p99: result.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function mean(sides: Side[]): Side {
  const avg = (pick: (s: Side) => number | undefined) =>
    sides.reduce((sum, s) => sum + (pick(s) ?? 0), 0) / sides.length;
  return {
    throughput: avg((s) => s.throughput),
    p50: avg((s) => s.p50),
    p99: avg((s) => s.p99),
    non2xx: sides.reduce((sum, s) => sum + (s.non2xx ?? 0), 0),
    errors: sides.reduce((sum, s) => sum + (s.errors ?? 0), 0),
    cpuUs: avg((s) => s.cpuUs),
  };
}

async function loadScenario(scenario: Scenario, app: Server, baseline: Server, before?: Server): Promise<Row> {
  const row: Row = { scenario: scenario.name, unit: scenario.unit };
  const missing = await missingRoute(scenario, app);
  const baselineMissing = await missingRoute(scenario, baseline);
  if (baselineMissing) throw new Error(`baseline fails ${scenario.name}: ${baselineMissing}`);
  const c = scenario.connections?.(connections) ?? connections;
  const all = missing ? [baseline] : before ? [app, baseline, before] : [app, baseline];
  const results = new Map<Server, Side[]>(all.map((server) => [server, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first, so none always runs on a warmer (or busier) machine.
    const order = all.map((_, i) => all[(i + round) % all.length]);
    for (const server of order) {
      if (warmup > 0) await runLoad(server.url, scenario.next, { connections: c, duration: warmup });
      const cpuBefore = server.cpuSeconds();
      const result = await runLoad(server.url, scenario.next, { connections: c, duration });
      const side = toSide(result, scenario, server.cpuSeconds() - cpuBefore);
      results.get(server)!.push(side);
      log(
        `${scenario.name.padEnd(15)} ${server.name.padEnd(8)} ${Math.round(side.throughput).toString().padStart(7)} ${scenario.unit}  p50 ${result.p50} ms  p99 ${result.p99} ms  non-2xx ${result.non2xx}  errors ${result.errors}  cpu ${Math.round(side.cpuUs!)} µs/req`,
      );
    }
  }
  row.baseline = mean(results.get(baseline)!);
  if (missing) {
    row.missing = missing;
    log(`${scenario.name.padEnd(15)} app      route missing (${missing})`);
    return row;
  }
  row.app = mean(results.get(app)!);
  row.ratio = row.app.throughput / row.baseline.throughput;
  if (before) {
    row.before = mean(results.get(before)!);
    row.afterBefore = row.app.throughput / row.before.throughput;
    log(
      `${scenario.name.padEnd(15)} req/s app/before ${row.afterBefore.toFixed(3)}×  app/baseline ${row.ratio.toFixed(3)}×  before/baseline ${(row.before.throughput / row.baseline.throughput).toFixed(3)}×\n` +
        `${''.padEnd(15)} cpu-efficiency (baseline µs / server µs) app ${cpu(row.app, row.baseline)}×  before ${cpu(row.before, row.baseline)}×`,
    );
  }
  return row;
}

async function exportScenario(scenario: Scenario, app: Server, baseline: Server, files: string[]): Promise<Row> {
  const row: Row = { scenario: scenario.name, unit: scenario.unit };
  const missing = await missingRoute(scenario, app);
  log(`export: growing both databases to ${EXPORT_ROWS.toLocaleString('en-US')} users…`);
  for (const file of files) growUsers(file, EXPORT_ROWS);
  const best = new Map<Server, Side>();
  for (let run = 0; run < 3; run++) {
    for (const server of missing ? [baseline] : run % 2 === 0 ? [app, baseline] : [baseline, app]) {
      const result = await measureExport(server);
      if (result.status !== 200) throw new Error(`${server.name} export answered ${result.status}`);
      log(
        `export          ${server.name.padEnd(8)} ${Math.round(result.rowsPerSecond).toString().padStart(7)} rows/s  ${result.rows} rows in ${result.seconds.toFixed(2)} s  peak RSS ${mb(result.peakRss).toFixed(0)} MB`,
      );
      const previous = best.get(server);
      best.set(server, {
        throughput: Math.max(previous?.throughput ?? 0, result.rowsPerSecond),
        peakRssMb: Math.max(previous?.peakRssMb ?? 0, mb(result.peakRss)),
      });
    }
  }
  row.baseline = best.get(baseline);
  if (missing) {
    row.missing = missing;
    return row;
  }
  row.app = best.get(app);
  row.ratio = row.app!.throughput / row.baseline!.throughput;
  return row;
}

await main();
