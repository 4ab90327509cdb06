import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliOutput } from '../../src/cli/cli-command.js';
import { tempDir } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

let dir: ReturnType<typeof tempDir>;
let file: string;

beforeAll(() => {
  dir = tempDir();
  file = join(dir.path, 'cli.sqlite3');
  // The CLI reads mikro-orm.config.ts, which reads DATABASE_URL, as `npm run schema:*` does.
  process.env.DATABASE_URL = `sqlite:${file}`;
});
afterAll(() => {
  delete process.env.DATABASE_URL;
  dir.remove();
});

function collector(): CliOutput & { text: () => string } {
  const lines: string[] = [];
  return { log: (m) => lines.push(m), error: (m) => lines.push(m), text: () => lines.join('\n') };
}

/** The tables as SQLite itself lists them, read with a separate connection. */
function tables(): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`)
      .all();
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

function columns(table: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe.skipIf(onPostgres)("schema:create (the page's init_db)", () => {
  it('creates the tables on an empty database', async () => {
    const out = collector();
    expect(await runCli(['schema:create'], out)).toBe(0);
    expect(out.text()).toMatch(/schema created/);
    expect(tables()).toContain('users');
    expect(columns('users')).toEqual(['id', 'name', 'email', 'created_at', 'updated_at', 'version']);
  });

  it('is idempotent: a second run says so and changes nothing', async () => {
    const db = new Database(file);
    db.prepare(`insert into users (name, email, created_at, updated_at) values ('keep', 'keep@x', 0, 0)`).run();
    db.close();
    const before = tables();
    const out = collector();
    expect(await runCli(['schema:create'], out)).toBe(0);
    expect(out.text()).toMatch(/already exists.*nothing changed/);
    expect(tables()).toEqual(before);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('select count(*) as n from users').get()).toEqual({ n: 1 });
    check.close();
  });

  it('schema:update finds nothing to do on an up-to-date schema', async () => {
    const out = collector();
    expect(await runCli(['schema:update'], out)).toBe(0);
    expect(out.text()).toMatch(/up to date/);
  });

  it('schema:drop refuses without --yes and keeps the data', async () => {
    const out = collector();
    expect(await runCli(['schema:drop'], out)).toBe(2);
    expect(out.text()).toMatch(/--yes/);
    expect(tables()).toContain('users');
  });

  it('schema:drop -y drops the tables; schema:update then recreates them', async () => {
    expect(await runCli(['schema:drop', '-y'], collector())).toBe(0);
    expect(tables()).not.toContain('users');
    expect(await runCli(['schema:update'], collector())).toBe(0);
    expect(tables()).toContain('users');
  });

  it('answers an unknown command with the list of commands and exit code 2', async () => {
    const out = collector();
    expect(await runCli(['nope'], out)).toBe(2);
    expect(out.text()).toMatch(/schema:create/);
  });
});
