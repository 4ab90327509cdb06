import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

// Both projects: the commands exactly as the README types them, through npm and the launcher
// (scripts/run-built.ts) in real processes, reading what reaches stdout and stderr.
const ROOT = resolve(import.meta.dirname, '../..');
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // The first run may build dist/ (a minute on a busy machine); later ones find it current.
  await run('npm', ['run', '--silent', 'schema:create']);
}, 180_000);
afterAll(() => db.drop());

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, ...env },
      timeout: 150_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe(`the CLI through npm on ${testDbKind}`, () => {
  it('npm run --silent db:inspect -- --json | jq . reads clean JSON: SQL (DB_DEBUG=1) and logs go to stderr', async () => {
    const result = await run('bash', ['-c', 'npm run --silent db:inspect -- --json | jq -c "[.tables[].name]"'], {
      DB_DEBUG: '1',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('["idempotency_keys","posts","users"]\n');
    // The SQL went somewhere a person sees it, just not into the JSON.
    expect(result.stderr).toMatch(/select/i);
  });

  it('npm run cli -- --help and npm run schema:drop -- --help answer with exit 0', async () => {
    const cli = await run('npm', ['run', 'cli', '--', '--help']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('migration:baseline');
    const drop = await run('npm', ['run', '--silent', 'schema:drop', '--', '--help']);
    expect(drop).toMatchObject({ code: 0, stderr: '' });
    expect(drop.stdout).toMatch(/^usage: npm run schema:drop -- --yes\n/);
  });

  it('npm run schema:drop without --yes exits 2 with the command that works, and the tables stay', async () => {
    const drop = await run('npm', ['run', '--silent', 'schema:drop']);
    expect(drop.code).toBe(2);
    expect(drop.stderr).toBe(
      'schema:drop deletes every table and all data; to confirm, run: npm run schema:drop -- --yes\n',
    );
    expect((await run('npm', ['run', '--silent', 'db:inspect', '--', '--json'])).stdout).toContain('"users"');
  });

  it('does not rebuild dist/ when no source changed since the last build', async () => {
    const first = await run('npm', ['run', '--silent', 'cli', '--', '--help']);
    const second = await run('npm', ['run', '--silent', 'cli', '--', '--help']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.stderr).not.toContain('building dist/');
    expect(second.stderr).not.toContain('building dist/');
  });

  it('the seed shows progress on a terminal, none in a pipe, and ends with what it added', async () => {
    // `script` runs the command on a pseudo-terminal, as a person's shell would.
    const tty = await run('script', ['-qec', 'npm run --silent seed -- --users 2500', '/dev/null']);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('\r\x1b[Kusers: 1000/2500');
    expect(tty.stdout).toContain('\r\x1b[Kusers: 2500/2500');
    expect(tty.stdout).toMatch(/seed: added 2501 users and 0 posts/);
    const piped = await run('npm', ['run', '--silent', 'seed', '--', '--users', '1500']);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    expect(piped.stdout).toBe('admin user already present\nusers: 1500 created\nseed: added 1500 users and 0 posts\n');
  });
});
