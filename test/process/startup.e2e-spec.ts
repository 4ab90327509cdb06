import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUntilExit, startAppProcess } from '../helpers/app-process.js';
import { createTestDatabase, onPostgres, testDbKind, type TestDatabase } from '../helpers/test-database.js';

/** The last line a failed start printed on stderr, and that it printed nothing else. */
function onlyLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

// Reading DATABASE_URL happens before any database is opened: once is enough (sqlite project).
describe.skipIf(onPostgres)('start-up refuses an unusable DATABASE_URL with one line, exit 1', () => {
  it.each([
    [
      'an unsupported scheme',
      'mysql://root@127.0.0.1:3306/test',
      /^users-service: invalid DATABASE_URL: expected sqlite:/,
    ],
    [
      'a postgresql URL without a database',
      'postgresql://postgres@127.0.0.1:5432',
      /^users-service: invalid DATABASE_URL: .*needs a host and a database name/,
    ],
    [
      'a malformed postgresql URL',
      'postgresql://user@[bad/db',
      /^users-service: invalid DATABASE_URL: .*not a valid postgresql:\/\/ URL/,
    ],
    [
      'an unreachable server',
      'postgresql://postgres@127.0.0.1:1/test',
      /^users-service: cannot connect to the database named by DATABASE_URL: .*ECONNREFUSED/,
    ],
  ])('%s', async (_what, url, message) => {
    const result = await runUntilExit({ DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(onlyLine(result.stderr)).toMatch(message);
    expect(result.stderr).not.toContain('    at ');
    expect(result.stdout).toBe('');
  });
});

describe('start-up refuses a port in use with one line, exit 1', () => {
  it('names the address and the variable, and prints nothing before it', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runUntilExit({ PORT: String(port) });
      expect(result.code).toBe(1);
      expect(onlyLine(result.stderr)).toBe(
        `users-service: cannot listen on 127.0.0.1:${port}: the port is in use (set PORT)`,
      );
      expect(result.stdout).toBe('');
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });
});

describe(`production start on ${testDbKind}`, () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase()));
  afterEach(() => db.drop());

  it('refuses a database whose migrations are behind, naming the command to run', async () => {
    const result = await runUntilExit({ NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(onlyLine(result.stderr)).toMatch(
      /^users-service: the database is behind its migrations .*run `npm run migration:up` first/,
    );
  });

  it('applies the migrations and serves with DB_MIGRATE=1', async () => {
    const app = await startAppProcess({
      NODE_ENV: 'production',
      ALLOW_ANONYMOUS: '1',
      DB_MIGRATE: '1',
      DATABASE_URL: db.url,
    });
    try {
      const res = await fetch(`${app.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'ann', email: 'ann@example.org' }),
      });
      expect(res.status).toBe(201);
      expect(app.stdout.join('\n')).toMatch(/applied Migration\d+/);
    } finally {
      await app.stop();
    }
  });
});
