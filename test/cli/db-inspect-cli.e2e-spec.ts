import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// runCli reads DATABASE_URL through mikro-orm.config.ts, once per process: one database per file.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
});
afterAll(() => db.drop());

it('runs db:inspect through the CLI entry point, as `npm run db:inspect -- --json` does', async () => {
  const lines: string[] = [];
  const out = { log: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
  expect(await runCli(['schema:create'], out)).toBe(0);
  lines.length = 0;
  expect(await runCli(['db:inspect', '--json'], out)).toBe(0);
  const inspection = JSON.parse(lines.join('\n')) as { tables: { name: string }[] };
  expect(inspection.tables.map((t) => t.name)).toEqual(['idempotency_keys', 'posts', 'users']);
  lines.length = 0;
  expect(await runCli(['db:inspect', '--csv'], out)).toBe(2);
  expect(lines).toEqual(['ERR db:inspect: unknown flag --csv (see npm run db:inspect -- --help)']);
});
