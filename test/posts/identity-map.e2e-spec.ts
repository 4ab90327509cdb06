import { inOwnContext } from '../../src/database/orm/own-context.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PostsService } from '../../src/posts/posts.service.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let posts: PostsService;
beforeEach(async () => {
  t = await startApp();
  posts = t.app.get(PostsService);
  const ann = (await t.http.post('/users').send({ name: 'ann', email: 'ann@x' }).expect(201)).body.id;
  const bob = (await t.http.post('/users').send({ name: 'bob', email: 'bob@x' }).expect(201)).body.id;
  for (const [author, title] of [
    [ann, 'a1'],
    [bob, 'b1'],
    [ann, 'a2'],
  ] as const) {
    await t.http.post(`/users/${author}/posts`).send({ title, body: '.' }).expect(201);
  }
});
afterEach(() => t.close());

/** What MikroORM's request middleware does for each HTTP request: one fork in AsyncLocalStorage. */
function inRequest<T>(work: () => Promise<T>): Promise<T> {
  return inOwnContext(t.orm, work);
}

it('gives two posts by the same author, loaded in one request, the very same User object', async () => {
  await inRequest(async () => {
    const page = await posts.listAll({ page: 1, perPage: 10 });
    const [a2, b1, a1] = page.items;
    expect([a2.title, b1.title, a1.title]).toEqual(['a2', 'b1', 'a1']);
    expect(a2.author).toBe(a1.author);
    expect(b1.author).not.toBe(a1.author);
    // A later lookup in the same request answers from the same identity map.
    const again = await posts.listByAuthor(a1.author.id, { page: 1, perPage: 10 });
    expect(again.items[0]).toBe(a2);
    expect(again.items[0].author).toBe(a1.author);
  });
});

it('gives two requests two different instances of the same row', async () => {
  const first = await inRequest(() => posts.listAll({ page: 1, perPage: 10 }));
  const second = await inRequest(() => posts.listAll({ page: 1, perPage: 10 }));
  expect(second.items[0].id).toBe(first.items[0].id);
  expect(second.items[0]).not.toBe(first.items[0]);
  expect(second.items[0].author).not.toBe(first.items[0].author);
});
