import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli-run.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-database.js';

// Both projects: how the CLI answers a newcomer's first tries, on a real database.
let db: TestDatabase;
beforeEach(async () => (db = await createTestDatabase()));
afterEach(() => db.drop());

/** A database nobody can reach: what needs no database must not try to open this one. */
const UNREACHABLE = 'postgresql://nobody@127.0.0.1:1/none';

const tables = async () => (await cli(['db:inspect', '--json'], db.url)).stdout;

describe(`CLI usage on ${testDbKind}`, () => {
  it('--help lists every command and says how flags are passed through npm, without opening a database', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const result = await cli([flag], UNREACHABLE);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      for (const name of [
        'schema:create',
        'schema:drop',
        'migration:down',
        'migration:baseline',
        'db:inspect',
        'seed',
      ]) {
        expect(result.stdout).toContain(`  ${name} `);
      }
      expect(result.stdout).toContain('npm run schema:drop -- --yes');
    }
  });

  it("each command's --help prints its usage through npm and its flags, without opening a database", async () => {
    const drop = await cli(['schema:drop', '--help'], UNREACHABLE);
    expect(drop).toMatchObject({ code: 0, stderr: '' });
    expect(drop.stdout).toMatch(/^usage: npm run schema:drop -- --yes\n/);
    expect(drop.stdout).toMatch(/--yes, -y +confirm/);
    const down = await cli(['migration:down', '-h'], UNREACHABLE);
    expect(down.stdout).toMatch(/^usage: npm run migration:down -- --yes \[--to <name> \| --to 0\]/);
    expect((await cli(['schema:create', '--help'], UNREACHABLE)).stdout).toMatch(/^usage: npm run schema:create\n/);
  });

  it('refuses an unknown flag before touching the database, pointing to --help', async () => {
    const result = await cli(['schema:update', '--dryrun'], db.url);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'schema:update: unknown flag --dryrun (see npm run schema:update -- --help)',
    });
  });

  it('schema:drop without --yes names the command that works, and keeps every table', async () => {
    expect((await cli(['schema:create'], db.url)).code).toBe(0);
    const result = await cli(['schema:drop'], db.url);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'schema:drop deletes every table and all data; to confirm, run: npm run schema:drop -- --yes',
    });
    expect(await tables()).toContain('"users"');
  });

  it('migration:down asks for --yes like schema:drop, naming what it would revert', async () => {
    expect((await cli(['migration:up'], db.url)).code).toBe(0);
    const names = (await cli(['migration:list'], db.url)).stdout.match(/Migration\w+/g)!;
    const last = names.at(-1)!;
    const refused = await cli(['migration:down'], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `migration:down reverts ${last}, dropping what it created with its data; to confirm, run: npm run migration:down -- --yes`,
    );
    const all = await cli(['migration:down', '--to', '0'], db.url);
    expect(all.stderr).toMatch(/reverts every migration.*run: npm run migration:down -- --yes --to 0$/);
    expect((await cli(['migration:list'], db.url)).stdout).toContain(`${names.length} applied, 0 pending`);

    const reverted = await cli(['migration:down', '-y'], db.url);
    expect(reverted).toMatchObject({ code: 0, stderr: '' });
    expect(reverted.stdout).toContain(`reverted ${last}`);
    expect((await cli(['migration:list'], db.url)).stdout).toContain(`${names.length - 1} applied, 1 pending`);
  });

  it('schema:update --dry-run prints the SQL, says it applied nothing, and applies nothing', async () => {
    const dry = await cli(['schema:update', '--dry-run'], db.url);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(/create table .*users/i);
    expect(dry.stdout.split('\n').at(-1)).toBe('-- dry run: nothing was applied (npm run schema:update applies it)');
    expect(await tables()).not.toContain('"users"');
    expect((await cli(['schema:update'], db.url)).stdout).toMatch(/^schema updated:/);
    expect(await tables()).toContain('"users"');
  });
});
