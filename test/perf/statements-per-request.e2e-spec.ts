import { afterEach, beforeEach, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { startRecording, type StatementRecorder } from '../helpers/statements.js';

// How many SQL statements each route costs; the benchmark's findings rest on these counts
// (README, "Benchmark"). A change that adds a round trip to a hot route fails here.
let t: TestApp;
let sql: StatementRecorder;

beforeEach(async () => {
  t = await startApp();
  for (let n = 0; n < 60; n++)
    await t.http
      .post('/users')
      .send({ name: `u${n}`, email: `u${n}@x.io` })
      .expect(201);
  sql = startRecording();
});
afterEach(async () => {
  sql.stop();
  await t.close();
});

async function statementsOf(send: () => PromiseLike<unknown>): Promise<string[]> {
  sql.reset();
  await send();
  return [...sql.statements];
}

it('GET /users/:id runs one select', async () => {
  expect(await statementsOf(() => t.http.get('/users/7').expect(200))).toEqual([
    expect.stringMatching(/^select .* from "users".* where ("u0"\.)?"id" = \?( limit \?)?$/),
  ]);
});

it('POST /users runs one insert', async () => {
  const statements = await statementsOf(() =>
    t.http.post('/users').send({ name: 'new', email: 'new@x.io' }).expect(201),
  );
  expect(statements.filter((s) => /^insert/i.test(s))).toHaveLength(1);
  expect(statements.filter((s) => !/^(insert|begin|commit)/i.test(s))).toEqual([]);
});

it('PATCH /users/:id runs one select and one update', async () => {
  const statements = await statementsOf(() => t.http.patch('/users/7').send({ name: 'renamed' }).expect(200));
  expect(statements.filter((s) => /^(select|update)/i.test(s)).map((s) => s.split(' ')[0].toLowerCase())).toEqual([
    'select',
    'update',
  ]);
});

it('GET /users runs a page select and a count, whatever the page size', async () => {
  for (const perPage of [5, 50]) {
    expect(await statementsOf(() => t.http.get(`/users?perPage=${perPage}`).expect(200))).toHaveLength(2);
  }
});
