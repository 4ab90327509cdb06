import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './test-database.js';

const ROOT = resolve(import.meta.dirname, '../..');
const HOOKS = resolve(ROOT, 'test/helpers/ts-hooks.mjs');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The specs' one child-process harness: the service run from its sources as a real process
 * (`node --import ts-hooks src/main.ts` on the project's Node 24, no build needed), on
 * 127.0.0.1 and a free port, reading its output line by line.
 */
export interface AppProcess {
  child: ChildProcess;
  /** Every line written so far to stdout and stderr, in order. */
  stdout: string[];
  stderr: string[];
  exited: Promise<Exit>;
  /** Resolves with the first stdout line matching `pattern` (already written or yet to come). */
  waitForLine(pattern: RegExp): Promise<string>;
  /** `http://127.0.0.1:<port>` once the server listens. */
  url(): Promise<string>;
  /** Sends `signal` (SIGTERM by default; SIGKILL after 15 s), waits for the exit, drops the database it made. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface SpawnOptions {
  /** Script under the project root; `src/main.ts` by default. */
  entry?: string;
  /** Give the child a fresh database of the Vitest project's kind (default), unless env names one. */
  database?: boolean;
}

/**
 * Starts the service with only PATH and `env` in its environment (nothing of the runner's leaks
 * in; NODE_ENV defaults to development) and, unless `env` has a DATABASE_URL, a fresh database
 * of the project's kind (a temp SQLite file, or a new PostgreSQL database), dropped by `stop()`.
 */
export async function spawnApp(env: Record<string, string> = {}, options: SpawnOptions = {}): Promise<AppProcess> {
  const db: TestDatabase | undefined =
    options.database === false || env.DATABASE_URL !== undefined ? undefined : await createTestDatabase();
  const child = spawn(process.execPath, ['--import', HOOKS, resolve(ROOT, options.entry ?? 'src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      ...(db ? { DATABASE_URL: db.url } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  collectLines(child.stdout, (line) => {
    stdout.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  collectLines(child.stderr, (line) => stderr.push(line));
  const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));

  const waitForLine = (pattern: RegExp): Promise<string> => {
    const seen = stdout.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      waiters.push({ pattern, resolve: resolveLine });
      void exited.then((exit) =>
        reject(
          new Error(`exited (${exit.code ?? exit.signal}) before ${pattern}:\n${[...stdout, ...stderr].join('\n')}`),
        ),
      );
    });
  };

  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine,
    async url() {
      const line = await waitForLine(/listening on http:\/\/[\d.]+:\d+/);
      const [, port] = /listening on http:\/\/[\d.]+:(\d+)/.exec(line)!;
      return `http://127.0.0.1:${port}`;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await db?.drop();
      return exited;
    },
  };
}

/** A started service: its URL is known. */
export type RunningApp = Omit<AppProcess, 'url'> & { url: string };

/** Starts the service (see `spawnApp`) and resolves once it listens, with its URL. */
export async function startAppProcess(
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<RunningApp> {
  const app = await spawnApp(env, options);
  try {
    const url = await app.url();
    return { ...app, url };
  } catch (error) {
    await app.stop('SIGKILL');
    throw error;
  }
}

/** Runs the service and waits for it to exit on its own (a start-up that must fail), killing it after `timeoutMs`. */
export async function runUntilExit(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const app = await spawnApp(env);
  const timer = setTimeout(() => app.child.kill('SIGKILL'), timeoutMs);
  const exit = await app.exited;
  clearTimeout(timer);
  await app.stop();
  return { ...exit, stdout: app.stdout.join('\n'), stderr: app.stderr.join('\n') };
}

/** A TCP port that was free a moment ago, for a spec that must know the port before the app says it. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function collectLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    parts.forEach(onLine);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
}
