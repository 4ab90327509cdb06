import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';

/**
 * The Node flags production starts the app with (`npm run start:prod`, and `npm start` through
 * nest-cli.json's `exec`), so the bench measures the app as it runs. A 16 MB semi-space instead of
 * V8's 32 MB: a fresh process streaming the export peaked at 172–174 MB RSS instead of 203–209 MB,
 * for 0.7% more instructions per `GET /users/7` (callgrind, SQLite, 2026-12-03). A spec keeps the
 * three in step (test/config/start-flags.spec.ts).
 */
export const APP_NODE_ARGS = ['--max-semi-space-size=16'];

export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

/** A server process the bench started (with its cluster workers, if any). */
export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  /** Current RSS in bytes of the process and its workers, from /proc. */
  rss(): number;
  /** CPU seconds (user + system) the process and its workers have used so far, from /proc. */
  cpuSeconds(): number;
  /** Memory as the process and its workers report it (summed), through the probe's SIGWINCH. */
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export interface ServerSpec {
  /** CPU list for taskset (e.g. `0`); unset: the scheduler places the server anywhere. */
  cpus?: string;
  name: string;
  port: number;
  script: string;
  nodeArgs?: string[];
  env: Record<string, string>;
  cwd: string;
  /**
   * Where the server's stdout (its request log) goes: a file, so that a log line costs the server
   * what it costs in production and nothing in the bench's own process, which shares the cores.
   */
  logFile: string;
  /** Print the server's stderr (profiling, debugging). */
  verbose?: boolean;
}

function descendants(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...children.flatMap(descendants)];
  } catch {
    return [];
  }
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Resolves once the server answers any HTTP request. */
async function waitUntilUp(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${url}: the server exited with code ${child.exitCode} (its output: ${logFile})`);
    const up = await new Promise<boolean>((resolve) => {
      const req = request(`${url}/health/live`, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url}: not up after ${timeoutMs} ms`);
}

export async function startServer(spec: ServerSpec): Promise<Server> {
  const log = openSync(spec.logFile, 'a');
  const nodeArgv = [...(spec.nodeArgs ?? []), '--import', './bench/app-probe.mjs', spec.script];
  // With `cpus`, the server (and every thread it starts) runs only on those CPUs (taskset).
  const [command, args] = spec.cpus
    ? ['taskset', ['-c', spec.cpus, process.execPath, ...nodeArgv]]
    : [process.execPath, nodeArgv];
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env, PORT: String(spec.port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, 'pipe'],
  });
  closeSync(log);
  const memoryLines: ((line: Memory & { pid: number }) => void)[] = [];
  let tail = '';
  // stderr carries the probe's memory lines (and the app's errors, shown with --verbose).
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = tail + chunk.toString('utf8');
    const lines = text.split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('[bench-mem] ')) for (const listener of memoryLines) listener(JSON.parse(line.slice(12)));
      else if (spec.verbose) console.error(`  [${spec.name}] ${line}`);
    }
  });
  const url = `http://127.0.0.1:${spec.port}`;
  await waitUntilUp(url, child, spec.logFile);
  return {
    name: spec.name,
    url,
    child,
    rss: () => descendants(child.pid!).reduce((sum, pid) => sum + rssOf(pid), 0),
    cpuSeconds: () => descendants(child.pid!).reduce((sum, pid) => sum + cpuOf(pid), 0),
    memory: async () => {
      // In cluster mode the workers do the work; the primary only forwards connections.
      const pids = descendants(child.pid!);
      const workers = pids.length > 1 ? pids.slice(1) : pids;
      const seen = new Map<number, Memory>();
      const done = new Promise<void>((resolve) => {
        const listener = (line: Memory & { pid: number }) => {
          seen.set(line.pid, line);
          if (workers.every((pid) => seen.has(pid))) resolve();
        };
        memoryLines.push(listener);
        setTimeout(resolve, 3000);
      });
      for (const pid of workers) process.kill(pid, 'SIGWINCH');
      await done;
      memoryLines.length = 0;
      const all = [...seen.values()];
      return {
        rss: all.reduce((s, m) => s + m.rss, 0),
        heapUsed: all.reduce((s, m) => s + m.heapUsed, 0),
        heapTotal: all.reduce((s, m) => s + m.heapTotal, 0),
      };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // SIGINT exits through process.exit in every process (see app-probe.mjs), which flushes CPU
      // profiles; workers first, so the primary does not restart them.
      const pids = descendants(child.pid!).toReversed();
      for (const pid of pids) process.kill(pid, 'SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
