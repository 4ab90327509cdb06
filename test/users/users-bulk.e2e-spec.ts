import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectStatements, recordStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

/** SQL statements of `POST /users/bulk`, BEGIN/COMMIT included. Change a number only on purpose. */
const STATEMENTS = {
  /** the duplicate check, begin, one multi-row insert, commit */
  'POST /users/bulk (3 users)': 4,
  /** the duplicate check, begin, 4 multi-row inserts (MikroORM batches 300 rows), commit */
  'POST /users/bulk (1000 users)': 7,
};

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

function people(n: number, prefix = 'user'): { name: string; email: string }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, email: `${prefix}-${i}@example.com` }));
}

describe('POST /users/bulk', () => {
  it('creates every user and answers 201 with their ids in order', async () => {
    const res = await expectStatements(
      () => t.http.post('/users/bulk').send(people(3)).expect(201),
      STATEMENTS['POST /users/bulk (3 users)'],
    );
    expect(res.body).toEqual({ created: 3, ids: [1, 2, 3] });
    const list = await t.http.get('/users').expect(200);
    expect(list.body.items.map((u: { name: string }) => u.name)).toEqual(['user-0', 'user-1', 'user-2']);
  });

  it('inserts 1000 users in a few multi-row INSERTs inside one transaction, not one per row', async () => {
    // Names and emails at their length limits: the bulk route's body limit must fit 1000 of them.
    const items = Array.from({ length: 1000 }, (_, i) => ({
      name: `${'n'.repeat(45)}${String(i).padStart(5, '0')}`,
      email: `${String(i).padStart(5, '0')}${'e'.repeat(100)}@example.com`,
    }));
    const { result: res, statements } = await recordStatements(() =>
      t.http.post('/users/bulk').send(items).expect(201),
    );
    expect(res.body.created).toBe(1000);
    expect(new Set(res.body.ids).size).toBe(1000);
    const inserts = statements.filter((q) => /^insert/i.test(q));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.length).toBeLessThanOrEqual(10);
    expect(statements.filter((q) => /^begin/i.test(q))).toHaveLength(1);
    expect(statements.filter((q) => /^commit/i.test(q))).toHaveLength(1);
    expect(statements).toHaveLength(STATEMENTS['POST /users/bulk (1000 users)']);
    expect(await t.count('users')).toBe(1000);
  });

  it('stores nothing and names index and field when an item duplicates an existing user', async () => {
    await t.http.post('/users').send({ name: 'taken', email: 'taken@example.com' }).expect(201);
    const items = people(5);
    items[3].email = 'TAKEN@example.com';
    const res = await t.http.post('/users/bulk').send(items).expect(409);
    expect(res.body).toMatchObject({ statusCode: 409, index: 3, field: 'email' });
    expect(await t.count('users')).toBe(1);
  });

  it('stores nothing and names the later item when two items of the batch collide', async () => {
    const items = people(6);
    items[4].name = items[1].name;
    const res = await t.http.post('/users/bulk').send(items).expect(409);
    expect(res.body).toMatchObject({ index: 4, field: 'name', message: 'items[4].name already taken' });
    expect(await t.count('users')).toBe(0);
  });

  it('names the first offender when several items collide', async () => {
    await t.http.post('/users').send({ name: 'user-7', email: 'x@example.com' }).expect(201);
    const items = people(10);
    items[9].email = items[0].email;
    const res = await t.http.post('/users/bulk').send(items).expect(409);
    expect(res.body).toMatchObject({ index: 7, field: 'name' });
    expect(await t.count('users')).toBe(1);
  });

  // The trigger is SQLite's syntax; the rollback itself is the ORM's transaction, the same on both.
  it.skipIf(onPostgres)('rolls the whole batch back when the database refuses a row mid-flush', async () => {
    // A trigger stands in for anything the pre-check cannot see (a constraint, a concurrent
    // writer): the failure comes from inside the transaction, after earlier rows were inserted.
    await t.orm.em
      .getConnection()
      .execute(
        "create trigger refuse_poison before insert on users when new.name = 'poison' begin select raise(abort, 'poisoned row'); end",
      );
    const items = people(700);
    items[650].name = 'poison';
    await t.http.post('/users/bulk').send(items).expect(500);
    expect(await t.count('users')).toBe(0);
  });

  it.each([
    ['an empty array', [], ''],
    ['1001 items', people(1001), ''],
    ['an object instead of an array', { name: 'a', email: 'a@x' }, ''],
    ['an invalid email at index 2', [...people(2), { name: 'c', email: 'nope' }], '2.email'],
    ['an unknown property at index 1', [people(1)[0], { name: 'b', email: 'b@x', admin: true }], '1'],
  ])('rejects %s with 400 and stores nothing', async (_label, payload, path) => {
    const res = await t.http.post('/users/bulk').send(payload).expect(400);
    expect(res.body.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    expect(await t.count('users')).toBe(0);
  });

  it('keeps the 100 kB limit for other routes', async () => {
    const res = await t.http
      .post('/users')
      .send({ name: 'a', email: 'a@x', pad: 'x'.repeat(200_000) })
      .expect(413);
    expect(res.body.statusCode).toBe(413);
    const bulk = await t.http
      .post('/users/bulk')
      .send([{ name: 'a', email: 'a@x', pad: 'x'.repeat(2_000_000) }])
      .expect(413);
    expect(bulk.body.statusCode).toBe(413);
  });
});
