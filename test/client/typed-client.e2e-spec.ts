import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createUsersClient,
  type ErrorBody,
  type PostCursorPage,
  type User,
  type UsersClient,
} from '../../clients/typescript/client.js';
import { expectHonoursDocument } from '../helpers/contract.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * The Flask page's session, driven only through the client generated from the served document
 * (clients/typescript/): create `admin`, list, find by name, page posts, and a 409 met as a typed
 * error. Each response is also checked against the document on its way back.
 */
let t: TestApp;
let api: UsersClient;
beforeAll(async () => {
  t = await startApp();
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  api = createUsersClient({
    baseUrl: `http://127.0.0.1:${port}`,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      await expectHonoursDocument(res, input instanceof Request ? input.method : (init?.method ?? 'GET'));
      return res;
    },
  });
});
afterAll(() => t.close());

describe('the generated TypeScript client', () => {
  it("runs the Flask page's session: add admin, query all, filter_by name", async () => {
    // admin = User('admin', 'admin@localhost'); db.session.add(admin); db.session.commit()
    const created = await api.POST('/users', { body: { name: 'admin', email: 'admin@localhost' } });
    expect(created.response.status).toBe(201);
    expectTypeOf(created.data!).toEqualTypeOf<User>();
    expect(created.data).toMatchObject({ id: expect.any(Number), name: 'admin', email: 'admin@localhost' });
    await api.POST('/users', { body: { name: 'guest', email: 'guest@example.com' } });

    // User.query.all()
    const all = await api.GET('/users', { params: { query: { page: 1, perPage: 20 } } });
    expect(all.data!.items.map((user) => user.name)).toEqual(['admin', 'guest']);
    expect(all.data).toMatchObject({ page: 1, perPage: 20, total: 2, pages: 1 });

    // User.query.filter_by(name='admin').first()
    const found = await api.GET('/users', { params: { query: { name: 'admin' } } });
    expect(found.data!.items[0]).toEqual(created.data);

    const one = await api.GET('/users/{id}', { params: { path: { id: created.data!.id } } });
    expect(one.data).toEqual(created.data);
  });

  it("pages a user's posts, newest first", async () => {
    const { data: author } = await api.POST('/users', { body: { name: 'writer', email: 'writer@example.com' } });
    for (const n of [1, 2, 3]) {
      const post = await api.POST('/users/{id}/posts', {
        params: { path: { id: author!.id } },
        body: { title: `Post ${n}`, body: `Body ${n}` },
      });
      expect(post.response.status).toBe(201);
    }
    const first = await api.GET('/users/{id}/posts', {
      params: { path: { id: author!.id }, query: { page: 1, perPage: 2 } },
    });
    expect(first.data).toMatchObject({ page: 1, perPage: 2, total: 3, pages: 2 });
    expect(first.data!.items.map((post) => post.title)).toEqual(['Post 3', 'Post 2']);
    const second = await api.GET('/users/{id}/posts', {
      params: { path: { id: author!.id }, query: { page: 2, perPage: 2 } },
    });
    expect(second.data!.items.map((post) => post.title)).toEqual(['Post 1']);

    // The same posts as cursor pages: `limit`, then the `nextCursor` the page gave.
    const start = await api.GET('/users/{id}/posts', { params: { path: { id: author!.id }, query: { limit: 2 } } });
    const cursorPage = start.data!;
    expect('nextCursor' in cursorPage && cursorPage.hasNextPage).toBe(true);
    if (!('nextCursor' in cursorPage) || cursorPage.nextCursor === null) throw new Error('expected a cursor page');
    expectTypeOf(cursorPage).toEqualTypeOf<PostCursorPage>();
    const rest = await api.GET('/users/{id}/posts', {
      params: { path: { id: author!.id }, query: { limit: 2, cursor: cursorPage.nextCursor } },
    });
    expect([...cursorPage.items, ...rest.data!.items].map((post) => post.title)).toEqual([
      'Post 3',
      'Post 2',
      'Post 1',
    ]);
    expect(rest.data).toMatchObject({ nextCursor: null, hasNextPage: false });
  });

  it('meets a taken name as a typed 409 error naming the field', async () => {
    await api.POST('/users', { body: { name: 'taken', email: 'taken@example.com' } });
    const { data, error, response } = await api.POST('/users', {
      body: { name: 'taken', email: 'other@example.com' },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(409);
    expectTypeOf(error!).toEqualTypeOf<ErrorBody>();
    expect(error).toMatchObject({ statusCode: 409, error: 'Conflict', field: 'name' });
  });
});
