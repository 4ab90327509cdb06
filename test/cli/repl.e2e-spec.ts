import type { REPLServer } from 'node:repl';
import { PassThrough } from 'node:stream';
import type { MikroORM } from '@mikro-orm/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.schema.js';
import { startReplSession } from '../../src/repl-session.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let db: TestDatabase;
let server: REPLServer;
let output: string;
let input: PassThrough;

beforeEach(async () => {
  db = await createTestDatabase();
  output = '';
  input = new PassThrough();
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // At LOG_LEVEL=warn the app's start-up lines stay out of the test output.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: db.url });
  server = await startReplSession(config, { input, output: out, terminal: false, prompt: '> ' });
});
afterEach(async () => {
  const orm = server.context.orm as MikroORM;
  server.close();
  // Nest also closes the application on the REPL's exit, without a promise to wait for.
  await orm.close();
  await db.drop();
});

/** Types one line and waits until the REPL prompts again. */
async function type(line: string): Promise<string> {
  const before = output.length;
  input.write(`${line}\n`);
  for (let i = 0; i < 200 && !output.slice(before).endsWith('> '); i++) await new Promise((r) => setTimeout(r, 10));
  return output.slice(before, -2).trim();
}

it('runs the Flask page’s session with a forked EntityManager and no global-context error', async () => {
  expect(await type("u = new User('admin', 'admin@localhost')")).toBe("User { id: undefined, name: 'admin' }");
  await type('em.persist(u)');
  expect(await type('await em.flush()')).toBe('');
  expect(await type('await em.findAll(User)')).toBe("[ User { id: 1, name: 'admin' } ]");
  expect(await type("await em.findOne(User, { name: 'admin' })")).toBe("User { id: 1, name: 'admin' }");
  // The same row in the same session is the same object (one identity map per fork) ...
  expect(await type("(await em.findOne(User, { name: 'admin' })) === u")).toBe('true');
  // ... and a fresh fork loads its own copy.
  expect(await type("fork(); (await em.findOne(User, { name: 'admin' })) === u")).toBe('false');
  expect(output).not.toMatch(/global EntityManager|allowGlobalContext/);
});

it('runs each line in a request context of its own, so services work as in a request', async () => {
  await type("await em.persist(new User('admin', 'admin@localhost')).flush()");
  expect(await type('a = await get(UsersService).get(1); a.name')).toBe("'admin'");
  // Within a line, one identity map; the next line is another request: a fresh instance.
  expect(await type('(await get(UsersService).get(1)) === (await get(UsersService).get(1))')).toBe('true');
  expect(await type('(await get(UsersService).get(1)) === a')).toBe('false');
  expect(output).not.toMatch(/global EntityManager|allowGlobalContext/);
});
