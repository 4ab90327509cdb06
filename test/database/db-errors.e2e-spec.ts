import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { testDbKind } from '../helpers/test-database.js';

// Runs in both projects: the same statuses and bodies on SQLite and on PostgreSQL.
let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

const create = (name: string, email: string) => t.http.post('/users').send({ name, email });

describe(`database errors on ${testDbKind}`, () => {
  it('answers 409 naming the field for a taken name or email, on create and on update', async () => {
    const first = await create('ann', 'ann@example.org').expect(201);
    await create('bob', 'bob@example.org').expect(201);

    expect((await create('ann', 'other@example.org').expect(409)).body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      field: 'name',
    });
    expect((await create('carl', 'ANN@example.org').expect(409)).body.field).toBe('email');
    const patch = await t.http.patch(`/users/${first.body.id}`).send({ email: 'bob@example.org' }).expect(409);
    expect(patch.body).toMatchObject({ statusCode: 409, field: 'email', message: 'email already taken' });
    expect(await t.count('users')).toBe(2);
  });

  it('reads the column, not the value, when the value looks like another database error', async () => {
    // PostgreSQL quotes the duplicate value in its detail; SQLite's wording must not be matched there.
    const name = 'UNIQUE constraint failed: users.email';
    await create(name, 'x@example.org').expect(201);
    expect((await create(name, 'y@example.org').expect(409)).body.field).toBe('name');
  });

  it('lets exactly one of two concurrent creates of the same name win, the other gets a 409', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const results = await Promise.all([create(name, `a${round}@example.org`), create(name, `b${round}@example.org`)]);
      expect(results.map((r) => r.status).toSorted((a, b) => a - b)).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.field).toBe('name');
    }
    expect(await t.count('users')).toBe(5);
  });

  it('answers 404 for a missing user and 400 for a malformed id or body', async () => {
    expect((await t.http.get('/users/999').expect(404)).body).toMatchObject({
      statusCode: 404,
      message: 'user not found',
    });
    await t.http.patch('/users/999').send({ name: 'x' }).expect(404);
    await t.http.delete('/users/999').expect(404);
    await t.http.get('/users/abc').expect(400);
    await t.http.get('/users/99999999999').expect(404);
    await create('', 'no-name@example.org').expect(400);
    expect(await t.count('users')).toBe(0);
  });
});
