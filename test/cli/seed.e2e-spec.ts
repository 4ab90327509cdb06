import { MikroORM } from '@mikro-orm/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { seedCommand } from '../../src/cli/commands/seed.command.js';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { appOrmOptions } from '../../src/app-orm.js';
import { startRecording } from '../helpers/statements.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let db: TestDatabase;
let orm: MikroORM;
beforeEach(async () => {
  db = await createTestDatabase();
  orm = await MikroORM.init(appOrmOptions({ database: parseDatabaseUrl(db.url) }));
  await orm.schema.create();
});
afterEach(async () => {
  await orm.close();
  await db.drop();
});

function output() {
  const lines: string[] = [];
  return { lines, log: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
}

async function count(table: string): Promise<number> {
  const [row] = await orm.em.getConnection().execute<{ n: number }[]>(`select count(*) as n from ${table}`);
  return Number(row.n);
}

it('creates the admin user once, however often it runs', async () => {
  const first = output();
  expect(await seedCommand.run(orm, [], first)).toBe(0);
  expect(first.lines).toEqual(['admin user created (admin@localhost)', 'seed: added 1 user and 0 posts']);
  const second = output();
  expect(await seedCommand.run(orm, [], second)).toBe(0);
  expect(second.lines).toEqual(['admin user already present', 'seed: added nothing']);
  const rows = await orm.em.getConnection().execute('select name, email from users');
  expect(rows).toEqual([{ name: 'admin', email: 'admin@localhost' }]);
});

it('adds generated users and posts in batches, reporting progress, and can run again', async () => {
  const progress: string[] = [];
  const lines: string[] = [];
  const out = {
    log: (m: string) => lines.push(m),
    error: () => undefined,
    progress: (line: string) => progress.push(line),
  };
  const log = startRecording();
  try {
    expect(await seedCommand.run(orm, ['--users', '2500', '--posts', '1200'], out)).toBe(0);
  } finally {
    log.stop();
  }
  expect(progress).toEqual([
    'users: 1000/2500',
    'users: 2000/2500',
    'users: 2500/2500',
    'posts: 1000/1200',
    'posts: 1200/1200',
  ]);
  expect(await count('users')).toBe(2501);
  expect(await count('posts')).toBe(1200);
  // The last line says what the run added: the admin user and the generated rows.
  expect(lines.at(-1)).toBe('seed: added 2501 users and 1200 posts');
  // Multi-row INSERTs in one transaction per batch, not a statement per row.
  expect(log.statements.filter((q) => /^insert/i.test(q)).length).toBeLessThan(30);
  // One transaction for the admin user, then one per batch: 3 of users, 2 of posts.
  expect(log.statements.filter((q) => /^begin/i.test(q))).toHaveLength(6);
  // Posts are spread over the users, admin included.
  const [authors] = await orm.em
    .getConnection()
    .execute<{ n: number }[]>('select count(distinct author_id) as n from posts');
  expect(Number(authors.n)).toBe(1200);
  expect(await seedCommand.run(orm, ['--users', '10'], out)).toBe(0);
  expect(await count('users')).toBe(2511);
});

it('refuses bad arguments with a usage error', async () => {
  await expect(seedCommand.run(orm, ['--users'], output())).rejects.toThrow('--users needs a whole number');
  await expect(seedCommand.run(orm, ['--users', '-5'], output())).rejects.toThrow('--users needs a whole number');
  await expect(seedCommand.run(orm, ['--admins', '1'], output())).rejects.toThrow('unknown argument --admins');
});
