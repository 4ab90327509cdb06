import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/** SQL statements of the posts routes, BEGIN/COMMIT included. Change a number only on purpose. */
const STATEMENTS = {
  /** the author, begin, insert, commit */
  'POST /users/:id/posts': 4,
  /** the author, the page, the count */
  'GET /users/:id/posts': 3,
  /** the page with its authors joined in, the count: the same for perPage 5 and 50 */
  'GET /posts': 2,
};

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

async function user(name: string): Promise<number> {
  const res = await t.http
    .post('/users')
    .send({ name, email: `${name}@example.com` })
    .expect(201);
  return res.body.id as number;
}

async function post(authorId: number, title: string, body = 'text'): Promise<number> {
  const res = await t.http.post(`/users/${authorId}/posts`).send({ title, body }).expect(201);
  return res.body.id as number;
}

describe('POST /users/:id/posts', () => {
  it('creates a post for the user and answers 201 with its view', async () => {
    const id = await user('ann');
    const res = await expectStatements(
      () => t.http.post(`/users/${id}/posts`).send({ title: ' Hello ', body: 'line 1\nline 2' }).expect(201),
      STATEMENTS['POST /users/:id/posts'],
    );
    expect(res.body).toEqual({
      id: expect.any(Number),
      title: 'Hello',
      body: 'line 1\nline 2',
      authorId: id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(await t.count('posts')).toBe(1);
  });

  it('answers 404 for an unknown user and stores nothing', async () => {
    const res = await t.http.post('/users/999/posts').send({ title: 't', body: 'b' }).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, message: 'user not found' });
    expect(await t.count('posts')).toBe(0);
  });

  it.each([
    ['an empty title', { title: '  ', body: 'b' }, 'title'],
    ['a title over 200 characters', { title: 'x'.repeat(201), body: 'b' }, 'title'],
    ['a body over 10 000 characters', { title: 't', body: 'x'.repeat(10_001) }, 'body'],
    ['a missing body', { title: 't' }, 'body'],
    ['a control character in the body', { title: 't', body: 'a\u0000b' }, 'body'],
    ['an unknown property', { title: 't', body: 'b', authorId: 1 }, ''],
  ])('rejects %s with 400', async (_label, payload, path) => {
    const id = await user('ann');
    const res = await t.http.post(`/users/${id}/posts`).send(payload).expect(400);
    expect(res.body.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    expect(await t.count('posts')).toBe(0);
  });

  it('accepts a title of 200 and a body of 10 000 characters (counted as characters, not bytes)', async () => {
    const id = await user('ann');
    const res = await t.http
      .post(`/users/${id}/posts`)
      .send({ title: 'é'.repeat(200), body: '😀'.repeat(10_000) })
      .expect(201);
    expect(res.body.body).toBe('😀'.repeat(10_000));
  });

  it('rejects a non-numeric user id with 400', async () => {
    const res = await t.http.post('/users/abc/posts').send({ title: 't', body: 'b' }).expect(400);
    expect(res.body.issues[0].message).toBe('id must be a positive integer');
  });
});

describe('GET /users/:id/posts', () => {
  it('pages through one author’s posts, newest first, with the users-list shape', async () => {
    const ann = await user('ann');
    const bob = await user('bob');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await post(ann, `ann ${i}`));
    await post(bob, 'bob 0');
    const res = await expectStatements(
      () => t.http.get(`/users/${ann}/posts?page=2&perPage=2`).expect(200),
      STATEMENTS['GET /users/:id/posts'],
    );
    expect(res.body).toMatchObject({ page: 2, perPage: 2, total: 5, pages: 3 });
    expect(res.body.items.map((p: { id: number }) => p.id)).toEqual([ids[2], ids[1]]);
    expect(res.body.items[0]).toEqual({
      id: ids[2],
      title: 'ann 2',
      body: 'text',
      authorId: ann,
      createdAt: expect.any(String),
    });
  });

  it('answers 404 for an unknown user and 400 for a bad page', async () => {
    expect((await t.http.get('/users/42/posts').expect(404)).body.message).toBe('user not found');
    const id = await user('ann');
    expect((await t.http.get(`/users/${id}/posts?perPage=101`).expect(400)).body.issues[0].path).toBe('perPage');
    expect((await t.http.get(`/users/${id}/posts?page=0`).expect(400)).body.issues[0].path).toBe('page');
  });
});

describe('GET /posts', () => {
  it('lists every post newest first with its author embedded', async () => {
    const ann = await user('ann');
    const bob = await user('bob');
    const first = await post(ann, 'first');
    const second = await post(bob, 'second');
    const third = await post(ann, 'third');
    const res = await t.http.get('/posts').expect(200);
    expect(res.body).toMatchObject({ page: 1, perPage: 20, total: 3, pages: 1 });
    expect(res.body.items.map((p: { id: number }) => p.id)).toEqual([third, second, first]);
    expect(res.body.items[1]).toEqual({
      id: second,
      title: 'second',
      body: 'text',
      authorId: bob,
      createdAt: expect.any(String),
      author: { id: bob, name: 'bob' },
    });
  });

  it('sends as many SQL statements for a page of 50 as for a page of 5 (no N+1)', async () => {
    // 60 posts by 30 different authors: a lazy load per author would show up as extra statements.
    for (let i = 0; i < 30; i++) {
      const id = await user(`u${i}`);
      await post(id, `a ${i}`);
      await post(id, `b ${i}`);
    }
    const small = await expectStatements(() => t.http.get('/posts?perPage=5').expect(200), STATEMENTS['GET /posts']);
    const large = await expectStatements(() => t.http.get('/posts?perPage=50').expect(200), STATEMENTS['GET /posts']);
    expect(small.body.items).toHaveLength(5);
    expect(large.body.items).toHaveLength(50);
    expect(new Set(large.body.items.map((p: { author: { id: number } }) => p.author.id)).size).toBe(25);
  });
});

describe('DELETE /users/:id', () => {
  it('deletes the user’s posts with the user, and only theirs', async () => {
    const ann = await user('ann');
    const bob = await user('bob');
    await post(ann, 'a1');
    await post(ann, 'a2');
    await post(bob, 'b1');
    await t.http.delete(`/users/${ann}`).expect(204);
    expect(await t.count('posts')).toBe(1);
    const res = await t.http.get('/posts').expect(200);
    expect(res.body.items.map((p: { title: string }) => p.title)).toEqual(['b1']);
    await t.http.get(`/users/${ann}/posts`).expect(404);
  });
});
