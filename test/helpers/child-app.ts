import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnEntry } from './app-process.js';
import { tempDir } from './test-app.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildApp {
  process: ChildProcess;
  /** Every line written so far to stdout and stderr, in order. */
  stdout: string[];
  stderr: string[];
  exited: Promise<Exit>;
  /** Resolves with the first stdout line matching `pattern` (already written or yet to come). */
  waitForLine(pattern: RegExp): Promise<string>;
  /** `http://127.0.0.1:<port>` once the server listens. */
  url(): Promise<string>;
  /** Kills the child if still running and removes its temp folder. */
  stop(): Promise<void>;
}

/**
 * Runs the service from its sources as a real child process (see `spawnEntry`) on a fresh
 * SQLite file, with only the given environment, and reads its output line by line.
 */
export function spawnApp(env: Record<string, string> = {}): ChildApp {
  const dir = tempDir('users-service-proc-');
  const child = spawnEntry(
    'src/main.ts',
    { HOME: dir.path, NODE_ENV: 'development', DATABASE_URL: `sqlite:${join(dir.path, 'app.sqlite3')}`, ...env },
    { inheritEnv: false },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  collectLines(child.stdout!, (line) => {
    stdout.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  collectLines(child.stderr!, (line) => stderr.push(line));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const waitForLine = (pattern: RegExp): Promise<string> => {
    const seen = stdout.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve });
      void exited.then((exit) =>
        reject(
          new Error(`exited (${exit.code ?? exit.signal}) before ${pattern}:\n${[...stdout, ...stderr].join('\n')}`),
        ),
      );
    });
  };

  return {
    process: child,
    stdout,
    stderr,
    exited,
    waitForLine,
    async url() {
      const line = await waitForLine(/listening on http:\/\/[\d.]+:\d+/);
      const [, port] = /listening on http:\/\/[\d.]+:(\d+)/.exec(line)!;
      return `http://127.0.0.1:${port}`;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      dir.remove();
    },
  };
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
