/**
 * The OpenAPI document exactly as the service serves it: starts the built app (dist/, so run
 * `nest build` first) on a free port with a scratch SQLite file and METRICS=1 (so every optional
 * route is in it), fetches /docs-json, stops the app. Used by `npm run docs:lint`,
 * `client:generate` and `client:check`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

const START_TIMEOUT_MS = 60_000;

export async function servedDocument(): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'users-service-docs-'));
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(scratch, 'docs.sqlite3')}`,
      METRICS: '1',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const origin = await listeningOrigin(child);
    const res = await fetch(`${origin}/docs-json`);
    if (!res.ok) throw new Error(`GET /docs-json answered ${res.status}`);
    // Parsed and printed again: a stable, readable file whatever the server's spacing.
    return `${JSON.stringify(await res.json(), null, 2)}\n`;
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done(undefined)));
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Waits for the app's "listening on http://…" line; fails with its output if it exits or takes too long. */
function listeningOrigin(child: ChildProcess): Promise<string> {
  return new Promise((resolveOrigin, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the app did not start in time:\n${output}`)), START_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveOrigin(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}) before listening:\n${output}`));
    });
  });
}
