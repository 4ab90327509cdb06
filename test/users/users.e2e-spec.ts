import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * SQL statements each route runs for one representative call, BEGIN/COMMIT included (the
 * `dbStatements` of its log line). Change a number only on purpose.
 */
const STATEMENTS = {
  'POST /users': 3, // begin, insert … returning id, commit
  'GET /users': 2, // the page, the count
  'GET /users/:id': 1,
  'PATCH /users/:id': 4, // select, begin, update, commit
  'DELETE /users/:id': 4, // select, begin, delete, commit
};

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

const createUser = (name: string, email: string) => t.http.post('/users').send({ name, email });

function expectError(body: unknown, statusCode: number) {
  expect(body).toMatchObject({ statusCode, error: expect.any(String), message: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack frames
}

describe('POST /users', () => {
  it('creates a user: 201, the user, a Location header; name trimmed, email trimmed and lower-cased', async () => {
    const res = await createUser(' admin ', ' Admin@Localhost ').expect(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: 'admin',
      email: 'admin@localhost',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    expect(res.headers.location).toBe(`/users/${res.body.id}`);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(await t.count('users')).toBe(1);
  });

  it('accepts a single-label domain such as admin@localhost, and 50/120-character limits exactly', async () => {
    await createUser('a'.repeat(50), `${'e'.repeat(110)}@localhost`).expect(201);
    await createUser('ü'.repeat(50), 'x@y').expect(201); // counted in characters, not bytes
  });

  it.each([
    ['missing name', { email: 'a@b' }, 'name'],
    ['missing email', { name: 'a' }, 'email'],
    ['empty name after trimming', { name: '   ', email: 'a@b' }, 'name'],
    ['name of 51 characters', { name: 'a'.repeat(51), email: 'a@b' }, 'name'],
    ['email of 121 characters', { name: 'a', email: `${'e'.repeat(111)}@localhost` }, 'email'],
    ['email without @', { name: 'a', email: 'nobody' }, 'email'],
    ['email with two @', { name: 'a', email: 'a@b@c' }, 'email'],
    ['email with a space', { name: 'a', email: 'a b@c' }, 'email'],
    ['name not a string', { name: 42, email: 'a@b' }, 'name'],
    ['name null', { name: null, email: 'a@b' }, 'name'],
    ['control character in name', { name: 'a\u0007b', email: 'a@b' }, 'name'],
  ])('rejects %s with 400 naming the field', async (_case, body, field) => {
    const res = await t.http.post('/users').send(body).expect(400);
    expectError(res.body, 400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(await t.count('users')).toBe(0);
  });

  it('rejects unknown properties with 400', async () => {
    const res = await t.http.post('/users').send({ name: 'a', email: 'a@b', admin: true }).expect(400);
    expect(res.body.message).toMatch(/admin/);
    expect(await t.count('users')).toBe(0);
  });

  it('rejects a body that is not an object', async () => {
    await t.http
      .post('/users')
      .send([{ name: 'a', email: 'a@b' }])
      .expect(400);
    await t.http.post('/users').set('content-type', 'application/json').send('"text"').expect(400);
  });

  it('answers malformed JSON with a 400 JSON error', async () => {
    const res = await t.http.post('/users').set('content-type', 'application/json').send('{"name": ').expect(400);
    expectError(res.body, 400);
  });

  it('answers a body over 100 kB with 413', async () => {
    const res = await t.http
      .post('/users')
      .send({ name: 'a', email: 'a@b', padding: 'x'.repeat(110 * 1024) })
      .expect(413);
    expectError(res.body, 413);
    expect(await t.count('users')).toBe(0);
  });

  it('answers a duplicate name or email with 409 naming the field; email compared case-insensitively', async () => {
    await createUser('admin', 'admin@localhost').expect(201);
    const byName = await createUser('admin', 'other@localhost').expect(409);
    expect(byName.body).toMatchObject({ statusCode: 409, error: 'Conflict', field: 'name' });
    const byEmail = await createUser('other', 'ADMIN@localhost').expect(409);
    expect(byEmail.body).toMatchObject({ statusCode: 409, field: 'email' });
    expect(await t.count('users')).toBe(1);
  });

  it('gives exactly one 201 and 409s to concurrent creates of the same name (the constraint decides)', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => createUser('race', `race${i}@x`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.field === 'name')).toBe(true);
    expect(await t.count('users')).toBe(1);
  });
});

describe('GET /users/:id', () => {
  it('returns the user', async () => {
    const { body: created } = await createUser('admin', 'admin@localhost').expect(201);
    const res = await t.http.get(`/users/${created.id}`).expect(200);
    expect(res.body).toEqual(created);
  });

  it('answers an unknown id with 404, also one past the column range', async () => {
    expectError((await t.http.get('/users/999').expect(404)).body, 404);
    await t.http.get('/users/99999999999').expect(404);
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '0x10', '01', '%20'])('answers id %s with 400', async (id) => {
    expectError((await t.http.get(`/users/${id}`).expect(400)).body, 400);
  });
});

describe('GET /users', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 25; i++)
      await createUser(`user${String(i).padStart(2, '0')}`, `User${i}@Example.com`).expect(201);
  });

  it('pages by 20 by default, ordered by id, with Flask-SQLAlchemy pagination figures', async () => {
    const res = await t.http.get('/users').expect(200);
    expect(res.body).toMatchObject({ page: 1, perPage: 20, total: 25, pages: 2 });
    expect(res.body.items).toHaveLength(20);
    const ids = res.body.items.map((u: { id: number }) => u.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const second = await t.http.get('/users?page=2').expect(200);
    expect(second.body.items).toHaveLength(5);
    expect(second.body.items[0].name).toBe('user21');
  });

  it('honours perPage 1–100 and returns an empty page past the end', async () => {
    expect((await t.http.get('/users?perPage=100').expect(200)).body.items).toHaveLength(25);
    expect((await t.http.get('/users?perPage=1&page=3').expect(200)).body.items[0].name).toBe('user03');
    const past = await t.http.get('/users?page=9').expect(200);
    expect(past.body).toMatchObject({ items: [], page: 9, total: 25, pages: 2 });
  });

  it('filters by exact name and by exact email, case-insensitively', async () => {
    const byName = await t.http.get('/users?name=user07').expect(200);
    expect(byName.body.items.map((u: { name: string }) => u.name)).toEqual(['user07']);
    expect((await t.http.get('/users?name=user0').expect(200)).body.total).toBe(0);
    const byEmail = await t.http.get('/users?email=USER7@example.COM').expect(200);
    expect(byEmail.body.items.map((u: { name: string }) => u.name)).toEqual(['user07']);
    expect(byEmail.body.total).toBe(1);
  });

  it.each(['perPage=0', 'perPage=101', 'page=0', 'page=-1', 'page=abc', 'perPage=2.5', 'page=1&page=2'])(
    'answers ?%s with 400',
    async (query) => {
      expectError((await t.http.get(`/users?${query}`).expect(400)).body, 400);
    },
  );
});

describe('PATCH /users/:id', () => {
  it('updates any of name and email with the same rules, and returns the user', async () => {
    const { body: user } = await createUser('old', 'old@x').expect(201);
    const res = await t.http.patch(`/users/${user.id}`).send({ email: ' NEW@X ' }).expect(200);
    expect(res.body).toMatchObject({ id: user.id, name: 'old', email: 'new@x' });
    expect((await t.http.get(`/users/${user.id}`)).body.email).toBe('new@x');
  });

  it('answers an empty body, invalid values and unknown properties with 400', async () => {
    const { body: user } = await createUser('old', 'old@x').expect(201);
    await t.http.patch(`/users/${user.id}`).send({}).expect(400);
    await t.http.patch(`/users/${user.id}`).send({ email: 'nope' }).expect(400);
    await t.http.patch(`/users/${user.id}`).send({ name: 'x', id: 5 }).expect(400);
    expect((await t.http.get(`/users/${user.id}`)).body.name).toBe('old');
  });

  it('answers 404 for an unknown user and 400 for a bad id', async () => {
    await t.http.patch('/users/999').send({ name: 'x' }).expect(404);
    await t.http.patch('/users/x').send({ name: 'x' }).expect(400);
  });

  it('answers a duplicate with 409 naming the field, and changes nothing', async () => {
    await createUser('taken', 'taken@x').expect(201);
    const { body: user } = await createUser('mine', 'mine@x').expect(201);
    expect((await t.http.patch(`/users/${user.id}`).send({ name: 'taken' }).expect(409)).body.field).toBe('name');
    expect((await t.http.patch(`/users/${user.id}`).send({ email: 'TAKEN@x' }).expect(409)).body.field).toBe('email');
    expect((await t.http.get(`/users/${user.id}`)).body).toMatchObject({ name: 'mine', email: 'mine@x' });
  });
});

describe('DELETE /users/:id', () => {
  it('deletes with 204 and an empty body, then the user is gone', async () => {
    const { body: user } = await createUser('gone', 'gone@x').expect(201);
    const res = await t.http.delete(`/users/${user.id}`).expect(204);
    expect(res.text).toBe('');
    await t.http.get(`/users/${user.id}`).expect(404);
    await t.http.delete(`/users/${user.id}`).expect(404);
    await t.http.delete('/users/abc').expect(400);
    expect(await t.count('users')).toBe(0);
  });
});

describe('anything else', () => {
  it('answers unknown routes and methods with a 404 JSON error', async () => {
    expectError((await t.http.get('/nope').expect(404)).body, 404);
    expectError((await t.http.put('/users/1').send({}).expect(404)).body, 404);
  });

  it('sends no X-Powered-By and no ETag', async () => {
    const res = await t.http.get('/users').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
  });
});

describe('regressions', () => {
  it('a PATCH writes only what changed: created_at is never rewritten (datetime change detection on SQLite)', async () => {
    const { body: user } = await createUser('stable', 'stable@x').expect(201);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await t.http.patch(`/users/${user.id}`).send({ name: 'renamed' }).expect(200);
    expect(res.body.createdAt).toBe(user.createdAt);
    expect(res.body.updatedAt > user.updatedAt).toBe(true);
    const rows = await t.orm.driver
      .getConnection()
      .execute<{ created_at: number | string }[]>('select created_at from users where id = ?', [user.id]);
    expect(new Date(rows[0].created_at).toISOString()).toBe(user.createdAt);
  });
});

describe('SQL statements per route', () => {
  it.each(Object.entries(STATEMENTS))('%s runs %i statement(s)', async (route, n) => {
    const { id } = (await createUser('ann', 'ann@example.com').expect(201)).body as { id: number };
    await createUser('bob', 'bob@example.com').expect(201);
    const call = {
      'POST /users': () => createUser('cid', 'cid@example.com').expect(201),
      'GET /users': () => t.http.get('/users?perPage=1').expect(200),
      'GET /users/:id': () => t.http.get(`/users/${id}`).expect(200),
      'PATCH /users/:id': () =>
        t.http.patch(`/users/${id}`).send({ name: 'ann2', email: 'ann2@example.com' }).expect(200),
      'DELETE /users/:id': () => t.http.delete(`/users/${id}`).expect(204),
    }[route]!;
    await expectStatements(call, n);
  });
});
