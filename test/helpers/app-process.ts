import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const HOOKS = resolve(ROOT, 'test/helpers/ts-hooks.mjs');

/**
 * `node src/<entry>.ts` on the project's Node 24 (the runner's own), through the TS hooks (no
 * build needed), on 127.0.0.1 and a free port. With `inheritEnv: false` the child sees only PATH
 * and `env`, so nothing from the test runner's environment leaks in.
 */
export function spawnEntry(
  entry: string,
  env: Record<string, string>,
  options: { inheritEnv?: boolean } = {},
): ChildProcess {
  const base = options.inheritEnv === false ? { PATH: process.env.PATH ?? '' } : process.env;
  return spawn(process.execPath, ['--import', HOOKS, resolve(ROOT, entry)], {
    cwd: ROOT,
    env: { ...base, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `src/main.ts` and waits for it to exit on its own (a start-up that must fail). */
export async function runMainUntilExit(env: Record<string, string>, timeoutMs = 30_000): Promise<Finished> {
  const child = spawnEntry('src/main.ts', env);
  const out = collect(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, ...out() };
}

export interface AppProcess {
  /** `http://127.0.0.1:<port>` the process reported. */
  url: string;
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Sends `signal` (SIGTERM by default), then waits for the exit and reports how it ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `src/main.ts` on a free port and resolves once it listens. */
export async function startAppProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<AppProcess> {
  const child = spawnEntry('src/main.ts', env);
  const out = collect(child);
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app did not listen in ${timeoutMs} ms:\n${out().stderr}`)),
      timeoutMs,
    );
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(out().stdout);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${String(code)} before listening:\n${out().stderr}`));
    });
  });
  return {
    url,
    child,
    output: out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, exitSignal] = (await exited) as [number | null, NodeJS.Signals | null];
      return { code, signal: exitSignal };
    },
  };
}

function collect(child: ChildProcess): () => { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return () => ({ stdout, stderr });
}
