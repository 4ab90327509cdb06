/**
 * `npm run bench [-- options]`: the app against a raw baseline server, in one run, strictly
 * alternating (app, baseline, app, baseline, …) for `--rounds` rounds (default 3), reporting the
 * median and min–max of each side and marking a scenario **noisy** when its rounds disagree by more
 * than 15% or the baseline serves less than a short calibration at the start measured.
 * `npm run bench -- soak`: 100 000 mixed requests against the app, memory at start, middle, end.
 *
 * Options: --connections/-c 64, --duration/-d 10 (s), --scenario/-s get-user,create-user,
 * --rounds 3, --warmup 2 (s), --calibration 3 (s), --db sqlite|postgresql://… (PostgreSQL: scratch
 * databases created and dropped by the run), --api-token (the app requires a bearer token),
 * --no-log-compare (skip the LOG_LEVEL=warn server on get-user), --json FILE, --svg FILE,
 * --cpu-prof DIR (profiles the app), --before DIR (an earlier build, e.g. dist/before, as a third
 * server), --node-args "FLAGS" (the app once more with those Node flags, as a third server), --no-build,
 * --pin (servers on CPU 0, load generator on CPU 1), --verbose.
 * WORKERS=N|auto (or --workers) runs the servers as N processes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareDatabases, type BenchDatabases } from './databases.ts';
import { measureExport, probe, runLoad, type LoadResult } from './load.ts';
import { busyProcesses, loadAverage, machineDescription, pinCpus } from './machine.ts';
import { toMarkdown, writeJson, writeSvg, type Report, type Row, type Side } from './report.ts';
import { hostSpeed, type HostSpeed } from './reference.ts';
import { hasSettled, median, noiseReason, spreadOf, WARM_WINDOW } from './rounds.ts';
import { EXPORT_ROWS, SCENARIOS, type BenchRequest, type Scenario } from './scenarios.ts';
import { APP_NODE_ARGS, startServer, type Server } from './servers.ts';
import { runSoak } from './soak.ts';
import { evaluateTargets } from './targets.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** Seconds of warm-up before each server's first round of a scenario: at least… */
const FIRST_WARMUP_S = 3;
/** …and at most, warming one second at a time until the server's throughput has settled (rounds.ts). */
const MAX_FIRST_WARMUP_S = 30;
const PORTS = {
  app: 3410,
  baseline: 3411,
  before: 3412,
  logOff: 3413,
  exportApp: 3414,
  calibration: 3415,
  exportBaseline: 3416,
  tuned: 3417,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  allowNegative: true,
  options: {
    connections: { type: 'string', short: 'c', default: '64' },
    duration: { type: 'string', short: 'd', default: '10' },
    scenario: { type: 'string', short: 's' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    calibration: { type: 'string', default: '3' },
    workers: { type: 'string', default: process.env.WORKERS ?? '1' },
    db: { type: 'string', default: 'sqlite' },
    'api-token': { type: 'boolean', default: false },
    'log-compare': { type: 'boolean', default: true },
    json: { type: 'string' },
    svg: { type: 'string' },
    'cpu-prof': { type: 'string' },
    before: { type: 'string' },
    'node-args': { type: 'string' },
    build: { type: 'boolean', default: true },
    pin: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const connections = Number(values.connections);
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const calibration = Number(values.calibration);
const workers = values.workers === 'auto' ? availableParallelism() : Number(values.workers);
if (
  ![connections, duration, rounds, workers].every((n) => Number.isInteger(n) && n > 0) ||
  !(warmup >= 0) ||
  !(calibration >= 0)
) {
  console.error('bench: --connections, --duration, --rounds and WORKERS must be positive integers');
  process.exit(2);
}
const dbKind: 'sqlite' | 'postgresql' | undefined = values.db.startsWith('postgres')
  ? 'postgresql'
  : values.db === 'sqlite'
    ? 'sqlite'
    : undefined;
if (!dbKind) {
  console.error(`bench: --db must be sqlite or a postgresql:// URL, not ${values.db}`);
  process.exit(2);
}
const wanted = values.scenario?.split(',').map((s) => s.trim());
const scenarios = SCENARIOS.filter((s) => !wanted || wanted.includes(s.name));
if (scenarios.length === 0) {
  console.error(`bench: no scenario named ${values.scenario}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const apiToken = values['api-token'] ? randomBytes(24).toString('base64url') : undefined;
/** What the load generator sends to every server (the baseline ignores it). */
const headers: Record<string, string> = apiToken ? { authorization: `Bearer ${apiToken}` } : {};
const log = (message: string) => console.log(message);
/** The host-speed check after the calibration (reference.ts); undefined when nothing was compared. */
let host: HostSpeed | undefined;
const mb = (bytes: number) => bytes / 1024 / 1024;

/** The app as production runs it: JSON request log on, one line per request, to a file. */
function appEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    WORKERS: String(workers),
    ...(apiToken ? { API_TOKEN: apiToken } : { ALLOW_ANONYMOUS: '1' }),
    ...extra,
  };
}

async function main(): Promise<void> {
  if (values.build) {
    log('building the app (nest build)…');
    execFileSync(process.execPath, [join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  log(`machine: ${machineDescription()}; ${loadAverage()}`);
  const pinned = pinCpus(workers, values.pin);
  log(pinned.note);
  const busy = await busyProcesses(new Set([process.pid]));
  log(busy.length > 0 ? `busy before the run: ${busy.join(', ')}` : 'nothing else is using the CPU');

  const dir = mkdtempSync(join(tmpdir(), 'users-bench-'));
  const servers: Server[] = [];
  let databases: BenchDatabases | undefined;
  try {
    // The calibration has its own copy: its writes must not grow the tables the rounds then read.
    // So has the export, both sides: the same 200 000 users each, whatever the writes before it added.
    const names = [
      'app',
      'baseline',
      'calibration',
      ...(scenarios.some((s) => s.name === 'export') ? ['export-app', 'export-baseline'] : []),
      ...(values.before ? ['before'] : []),
      ...(values['node-args'] ? ['tuned'] : []),
    ];
    databases = await prepareDatabases(dbKind!, values.db, names, dir, ROOT, log);
    const soak = positionals[0] === 'soak';
    const cpuProf = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] : [];
    const start = (name: string, port: number, script: string, env: Record<string, string>, nodeArgs: string[] = []) =>
      startServer({
        name,
        port,
        script,
        env,
        nodeArgs,
        cwd: ROOT,
        logFile: join(dir, `${name}.log`),
        verbose: values.verbose,
        cpus: pinned.servers,
      });

    /** The app (or an earlier build of it), started with production's Node flags before any others. */
    const startApp = (
      name: string,
      port: number,
      script: string,
      env: Record<string, string>,
      nodeArgs: string[] = [],
    ) => start(name, port, script, env, [...APP_NODE_ARGS, ...nodeArgs]);

    const app = await startApp('app', PORTS.app, 'dist/src/main.js', appEnv(databases.url('app')), [
      ...cpuProf,
      ...(soak ? ['--expose-gc'] : []),
    ]);
    servers.push(app);
    if (soak) return await runSoak(app, connections);

    const baseline = await start('baseline', PORTS.baseline, databases.baselineScript, {
      ...databases.baselineEnv('baseline'),
      WORKERS: String(workers),
    });
    servers.push(baseline);
    const extras: { server: Server; appliesTo: (s: Scenario) => boolean }[] = [];
    if (values['log-compare'] && scenarios.some((s) => s.name === 'get-user')) {
      // Same database as the app (get-user only reads): the only difference is the request log.
      const quiet = await startApp(
        'app, LOG_LEVEL=warn',
        PORTS.logOff,
        'dist/src/main.js',
        appEnv(databases.url('app'), { LOG_LEVEL: 'warn' }),
      );
      servers.push(quiet);
      extras.push({ server: quiet, appliesTo: (s) => s.name === 'get-user' });
    }
    if (values['node-args']) {
      // The same build and data as the app, started with other Node/V8 flags (e.g. a smaller heap).
      const flags = values['node-args'].split(/\s+/).filter(Boolean);
      const tuned = await startApp(
        `app, ${flags.join(' ')}`,
        PORTS.tuned,
        'dist/src/main.js',
        appEnv(databases.url('tuned')),
        flags,
      );
      servers.push(tuned);
      extras.push({ server: tuned, appliesTo: () => true });
    }
    if (values.before) {
      const before = await startApp(
        'before',
        PORTS.before,
        join(values.before, 'src/main.js'),
        appEnv(databases.url('before')),
      );
      servers.push(before);
      extras.push({ server: before, appliesTo: () => true });
    }
    log(
      `app ${app.url} (NODE_ENV=production, request log on${apiToken ? ', API_TOKEN set' : ''}) and baseline ${baseline.url} on ${dbKind}; ` +
        `${workers} process(es) each; ${connections} connections; ${rounds} rounds × ${duration} s, strictly alternating\n`,
    );

    const loadScenarios = scenarios.filter((s) => s.name !== 'export');
    const calibrations = await calibrateOnCopy(loadScenarios, (port) =>
      start('baseline (calibration)', port, databases!.baselineScript, {
        ...databases!.baselineEnv('calibration'),
        WORKERS: String(workers),
      }),
    );
    const speed = hostSpeed(calibrations, { machine: machineDescription(), database: dbKind!, workers, connections });
    log(
      speed
        ? `${speed.note}${speed.slow ? ': TOO SLOW, every scenario will be marked noisy' : ''}\n`
        : calibrations.size === 0
          ? 'host speed: not checked (no calibration)\n'
          : 'host speed: no quiet reference for this machine and configuration (bench/reference.ts)\n',
    );
    host = speed;
    const rows: Row[] = [];
    for (const scenario of scenarios) {
      rows.push(
        scenario.name === 'export'
          ? await exportScenario(
              scenario,
              databases,
              () =>
                startApp(
                  'app (fresh, export)',
                  PORTS.exportApp,
                  'dist/src/main.js',
                  appEnv(databases!.url('export-app')),
                ),
              () =>
                start('baseline (export)', PORTS.exportBaseline, databases!.baselineScript, {
                  ...databases!.baselineEnv('export-baseline'),
                  WORKERS: String(workers),
                }),
            )
          : await loadScenario(
              scenario,
              app,
              baseline,
              extras.filter((e) => e.appliesTo(scenario)).map((e) => e.server),
              calibrations.get(scenario.name),
            ),
      );
    }
    report(rows);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await databases?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(rows: Row[]): void {
  const partial: Omit<Report, 'targets' | 'noisy'> = {
    date: new Date().toISOString(),
    machine: machineDescription(),
    loadAverageAtStart: startLoad,
    hostSpeed: host?.share,
    node: process.versions.node,
    database: dbKind!,
    apiToken: apiToken !== undefined,
    connections,
    durationSeconds: duration,
    rounds,
    workers,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    rows,
  };
  const full: Report = { ...partial, targets: evaluateTargets(partial), noisy: rows.some((row) => row.noisy) };
  log(`\n${toMarkdown(full)}\n`);
  if (values.json) writeJson(values.json, full);
  if (values.svg) writeSvg(values.svg, full);
  const noisy = rows.filter((row) => row.noisy).map((row) => row.scenario);
  log(
    noisy.length === 0
      ? `no scenario was noisy: every side's rounds agree within 15%, every baseline held its calibration${host ? ' and the host its usual speed' : ' (the host speed was not checked)'} (${loadAverage()})`
      : `NOISY RUN: ${noisy.join(', ')} — do not quote these figures; run again on a quiet machine (${loadAverage()})`,
  );
}

const startLoad = loadAverage();

/** A generator of requests for `server`: the scenario's own, or one built from what the server answered. */
async function generatorFor(
  scenario: Scenario,
  server: Server,
): Promise<{ next: () => BenchRequest } | { missing: string }> {
  try {
    const next = scenario.prepare ? await scenario.prepare(server.url, headers) : scenario.next;
    const status = await probe(server.url, next(), headers);
    return status >= 200 && status < 300 ? { next } : { missing: `probe answered ${status}` };
  } catch (error) {
    return { missing: (error as Error).message };
  }
}

/**
 * A short run of the baseline on every scenario at the start, on a server and database of its own
 * (stopped afterwards): what the baseline serves on this machine now, without the calibration's
 * writes changing what the measured rounds read.
 */
async function calibrateOnCopy(
  list: Scenario[],
  startBaseline: (port: number) => Promise<Server>,
): Promise<Map<string, number>> {
  if (calibration === 0) return new Map();
  const baseline = await startBaseline(PORTS.calibration);
  try {
    return await calibrate(list, baseline);
  } finally {
    await baseline.stop();
  }
}

async function calibrate(list: Scenario[], baseline: Server): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  log(`calibration: the baseline alone, ${calibration} s per scenario`);
  for (const scenario of list) {
    const generator = await generatorFor(scenario, baseline);
    if ('missing' in generator) throw new Error(`baseline fails ${scenario.name}: ${generator.missing}`);
    const c = scenario.connections?.(connections) ?? connections;
    await runLoad(baseline.url, generator.next, { connections: c, duration: 1, headers });
    const result = await runLoad(baseline.url, generator.next, { connections: c, duration: calibration, headers });
    const rate = result.rps * (scenario.rowsPerRequest ?? 1);
    out.set(scenario.name, rate);
    log(`  ${scenario.name.padEnd(24)} ${Math.round(rate).toString().padStart(7)} ${scenario.unit}`);
  }
  log('');
  return out;
}

interface RoundResult {
  throughput: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuUs: number;
}

function roundOf(result: LoadResult, scenario: Scenario, cpuSeconds: number): RoundResult {
  return {
    throughput: result.rps * (scenario.rowsPerRequest ?? 1),
    p50: result.p50,
    p99: result.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUs: (cpuSeconds * 1e6) / Math.max(result.total, 1),
  };
}

function sideOf(results: RoundResult[]): Side {
  const throughputs = results.map((r) => r.throughput);
  return {
    throughput: median(throughputs),
    spread: spreadOf(throughputs),
    rounds: throughputs,
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuUs: median(results.map((r) => r.cpuUs)),
  };
}

async function loadScenario(
  scenario: Scenario,
  app: Server,
  baseline: Server,
  extras: Server[],
  calibrated?: number,
): Promise<Row> {
  const row: Row = { scenario: scenario.name, unit: scenario.unit, noisy: false, calibration: calibrated };
  const baselineGen = await generatorFor(scenario, baseline);
  if ('missing' in baselineGen) throw new Error(`baseline fails ${scenario.name}: ${baselineGen.missing}`);
  const appGen = await generatorFor(scenario, app);
  const order: { server: Server; next: () => BenchRequest }[] = [];
  if ('missing' in appGen) row.missing = appGen.missing;
  else order.push({ server: app, next: appGen.next });
  order.push({ server: baseline, next: baselineGen.next });
  if (!row.missing)
    for (const extra of extras) {
      const gen = await generatorFor(scenario, extra);
      if (!('missing' in gen)) order.push({ server: extra, next: gen.next });
    }
  const c = scenario.connections?.(connections) ?? connections;
  const results = new Map<Server, RoundResult[]>(order.map(({ server }) => [server, []]));
  // The same order every round (A B A B …): each app round has its baseline round right after it.
  for (let round = 0; round < rounds; round++) {
    for (const { server, next } of order) {
      // The first round warms until the server stops getting faster; later ones for --warmup seconds.
      if (round === 0) await warmUntilSettled(scenario, server, next, c);
      else if (warmup > 0) await runLoad(server.url, next, { connections: c, duration: warmup, headers });
      const cpuBefore = server.cpuSeconds();
      const result = await runLoad(server.url, next, { connections: c, duration, headers });
      const r = roundOf(result, scenario, server.cpuSeconds() - cpuBefore);
      results.get(server)!.push(r);
      log(
        `${scenario.name.padEnd(24)} round ${round + 1} ${server.name.padEnd(21)} ${Math.round(r.throughput).toString().padStart(7)} ${scenario.unit}  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}  cpu ${Math.round(r.cpuUs)} µs/req`,
      );
    }
  }
  row.baseline = sideOf(results.get(baseline)!);
  const sides = [{ name: 'baseline', rounds: row.baseline.rounds }];
  if (!row.missing) {
    row.app = sideOf(results.get(app)!);
    const appRounds = results.get(app)!;
    const paired = appRounds.map((r, i) => r.throughput / results.get(baseline)![i].throughput);
    row.ratio = median(paired);
    row.ratioSpread = spreadOf(paired);
    sides.push({ name: 'app', rounds: row.app.rounds });
    row.extras = extras
      .filter((extra) => results.has(extra))
      .map((extra) => {
        const side = sideOf(results.get(extra)!);
        sides.push({ name: extra.name, rounds: side.rounds });
        const perRound = appRounds.map((r, i) => r.throughput / results.get(extra)![i].throughput);
        return { name: extra.name, side, appOverExtra: median(perRound) };
      });
  }
  row.noise = noiseReason(sides, calibrated, host?.slow);
  row.noisy = row.noise !== undefined;
  log(
    `${scenario.name.padEnd(24)} ${row.ratio === undefined ? `app route missing (${row.missing})` : `app/baseline median ${row.ratio.toFixed(3)}× (${row.ratioSpread!.min.toFixed(3)}–${row.ratioSpread!.max.toFixed(3)})`}` +
      `${(row.extras ?? []).map((e) => `, app / ${e.name} ${e.appOverExtra.toFixed(3)}×`).join('')}${row.noisy ? `  NOISY: ${row.noise}` : ''}\n`,
  );
  return row;
}

/**
 * One-second slices of load until the last few agree (hasSettled) or MAX_FIRST_WARMUP_S have
 * passed, and at least FIRST_WARMUP_S (or --warmup, when longer). Logs how long it took.
 */
async function warmUntilSettled(
  scenario: Scenario,
  server: Server,
  next: () => BenchRequest,
  c: number,
): Promise<void> {
  const slices: number[] = [];
  const least = Math.max(warmup, FIRST_WARMUP_S);
  while (slices.length < MAX_FIRST_WARMUP_S && (slices.length < least || !hasSettled(slices))) {
    const result = await runLoad(server.url, next, { connections: c, duration: 1, headers });
    slices.push(result.rps * (scenario.rowsPerRequest ?? 1));
  }
  const settled = hasSettled(slices);
  log(
    `${scenario.name.padEnd(24)} warm-up ${server.name.padEnd(21)} ${slices.length} s${settled ? '' : ' (still changing at the cap)'}: last ${slices
      .slice(-WARM_WINDOW)
      .map((v) => Math.round(v))
      .join(', ')} ${scenario.unit}`,
  );
}

/**
 * Export streams the whole users table once per run: three runs per side, alternating, each app
 * run on a fresh process (its peak RSS is what a new instance needs, not what seven scenarios left),
 * both sides on their own copy of the seed grown to EXPORT_ROWS users, so they stream the same rows
 * (on the rounds' copies the baseline's faster writes had grown its table to 740 000).
 */
async function exportScenario(
  scenario: Scenario,
  databases: BenchDatabases,
  freshApp: () => Promise<Server>,
  startBaseline: () => Promise<Server>,
): Promise<Row> {
  const row: Row = { scenario: scenario.name, unit: scenario.unit, noisy: false };
  log(`export: growing both export copies of the seed to ${EXPORT_ROWS.toLocaleString('en-US')} users…`);
  await databases.growUsers(['export-app', 'export-baseline'], EXPORT_ROWS);
  const baseline = await startBaseline();
  try {
    return await exportRuns(row, freshApp, baseline);
  } finally {
    await baseline.stop();
  }
}

async function exportRuns(row: Row, freshApp: () => Promise<Server>, baseline: Server): Promise<Row> {
  const runs = new Map<string, { rate: number; rssMb: number }[]>([
    ['app', []],
    ['baseline', []],
  ]);
  for (let run = 0; run < Math.max(rounds, 3); run++) {
    for (const side of ['app', 'baseline'] as const) {
      const server = side === 'app' ? await freshApp() : baseline;
      try {
        const result = await measureExport(server, headers);
        if (result.status !== 200) {
          row.missing = `export answered ${result.status}`;
          continue;
        }
        runs.get(side)!.push({ rate: result.rowsPerSecond, rssMb: mb(result.peakRss) });
        log(
          `export run ${run + 1} ${server.name.padEnd(21)} ${Math.round(result.rowsPerSecond).toString().padStart(7)} rows/s  ${result.rows} rows in ${result.seconds.toFixed(2)} s  peak RSS ${mb(result.peakRss).toFixed(0)} MB`,
        );
      } finally {
        if (side === 'app') await server.stop();
      }
    }
  }
  const toSide = (list: { rate: number; rssMb: number }[]): Side => ({
    throughput: median(list.map((r) => r.rate)),
    spread: spreadOf(list.map((r) => r.rate)),
    rounds: list.map((r) => r.rate),
    peakRssMb: Math.max(...list.map((r) => r.rssMb)),
  });
  row.baseline = toSide(runs.get('baseline')!);
  if (runs.get('app')!.length > 0) {
    row.app = toSide(runs.get('app')!);
    const paired = row.app.rounds.map((rate, i) => rate / row.baseline!.rounds[i]);
    row.ratio = median(paired);
    row.ratioSpread = spreadOf(paired);
    row.missing = undefined;
  }
  row.noise = noiseReason(
    [
      { name: 'app', rounds: row.app?.rounds ?? [] },
      { name: 'baseline', rounds: row.baseline.rounds },
    ],
    undefined,
    host?.slow,
  );
  row.noisy = row.noise !== undefined;
  return row;
}

await main();
