import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { testDbKind } from '../helpers/test-database.js';

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

interface CursorBody {
  items: { id: number }[];
  nextCursor: string | null;
  hasNextPage: boolean;
}

/** Follows `nextCursor` from `?limit=` to the last page; returns every page's body. */
async function walk(path: string, limit: number): Promise<CursorBody[]> {
  const pages: CursorBody[] = [];
  const join = path.includes('?') ? '&' : '?';
  let body = (await t.http.get(`${path}${join}limit=${limit}`).expect(200)).body as CursorBody;
  pages.push(body);
  while (body.nextCursor !== null) {
    const next = `${path}${join}cursor=${encodeURIComponent(body.nextCursor)}&limit=${limit}`;
    body = (await t.http.get(next).expect(200)).body as CursorBody;
    pages.push(body);
    expect(pages.length).toBeLessThan(100); // never loops
  }
  return pages;
}

const ids = (pages: CursorBody[]) => pages.flatMap((page) => page.items.map((item) => item.id));

async function seed(users: number, postsEach: number): Promise<number[]> {
  const created = await t.http
    .post('/users/bulk')
    .send(Array.from({ length: users }, (_, i) => ({ name: `user-${i}`, email: `user-${i}@example.org` })))
    .expect(201);
  const userIds = created.body.ids as number[];
  for (let p = 0; p < postsEach; p++) {
    for (const id of userIds)
      await t.http
        .post(`/users/${id}/posts`)
        .send({ title: `t${p}`, body: 'b' })
        .expect(201);
  }
  return userIds;
}

describe(`cursor pages on ${testDbKind}`, () => {
  it('GET /users?limit= walks every user once, in page mode order; nextCursor null and hasNextPage false on the last page', async () => {
    await seed(25, 0);
    const pages = await walk('/users', 10);
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.hasNextPage)).toEqual([true, true, false]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(pages[0]).not.toHaveProperty('total');
    const pageMode = await t.http.get('/users?perPage=100').expect(200);
    expect(ids(pages)).toEqual(pageMode.body.items.map((user: { id: number }) => user.id));
    // Items are the same views as in page mode.
    expect(pages[0].items[0]).toEqual(pageMode.body.items[0]);
  });

  it('a list that fits one page: one page, no next cursor; an empty list: no items', async () => {
    expect((await t.http.get('/users?limit=5').expect(200)).body).toEqual({
      items: [],
      nextCursor: null,
      hasNextPage: false,
    });
    await seed(5, 0);
    const page = (await t.http.get('/users?limit=5').expect(200)).body as CursorBody;
    expect(page.items).toHaveLength(5);
    expect(page).toMatchObject({ nextCursor: null, hasNextPage: false });
  });

  it('GET /posts and GET /users/:id/posts walk newest first in page mode order, ties on createdAt broken by id', async () => {
    const [first] = await seed(4, 6); // 24 posts, many in the same millisecond
    const all = await walk('/posts', 5);
    const pageMode = await t.http.get('/posts?perPage=100').expect(200);
    expect(ids(all)).toEqual(pageMode.body.items.map((post: { id: number }) => post.id));
    expect(ids(all)).toHaveLength(24);
    expect((all[0].items[0] as unknown as { author: { name: string } }).author.name).toEqual(expect.any(String));
    const mine = await walk(`/users/${first}/posts`, 4);
    const minePageMode = await t.http.get(`/users/${first}/posts?perPage=100`).expect(200);
    expect(ids(mine)).toEqual(minePageMode.body.items.map((post: { id: number }) => post.id));
    expect(ids(mine)).toHaveLength(6);
  });

  it('a row written during the walk neither repeats nor skips an item (unlike OFFSET pages)', async () => {
    await seed(2, 5);
    const firstPage = (await t.http.get('/posts?limit=4').expect(200)).body as CursorBody;
    const [author] = (await t.http.get('/users?limit=1').expect(200)).body.items as { id: number }[];
    await t.http.post(`/users/${author.id}/posts`).send({ title: 'new', body: 'b' }).expect(201);
    const rest = await t.http.get(`/posts?cursor=${encodeURIComponent(firstPage.nextCursor!)}&limit=100`).expect(200);
    const seen = [...firstPage.items, ...rest.body.items].map((post: { id: number }) => post.id);
    expect(new Set(seen).size).toBe(10);
  });

  it('filters apply in cursor mode, and a cursor only continues the list and filter it came from', async () => {
    await seed(3, 0);
    const filtered = await t.http.get('/users?name=user-1&limit=1').expect(200);
    expect(filtered.body.items.map((user: { name: string }) => user.name)).toEqual(['user-1']);
    const users = (await t.http.get('/users?limit=1').expect(200)).body as CursorBody;
    const cursor = encodeURIComponent(users.nextCursor!);
    await t.http.get(`/users?cursor=${cursor}&limit=1`).expect(200);
    const foreign = await t.http.get(`/posts?cursor=${cursor}&limit=1`).expect(400);
    expect(foreign.body).toMatchObject({ statusCode: 400, issues: [{ path: 'cursor' }] });
    await t.http.get(`/users/${users.items[0].id}/posts?cursor=${cursor}&limit=1`).expect(400);
    await t.http.get(`/users?name=user-2&cursor=${cursor}&limit=1`).expect(400);
  });

  it('a tampered or made-up cursor → 400, never a 500', async () => {
    await seed(3, 0);
    const { nextCursor } = (await t.http.get('/users?limit=1').expect(200)).body as CursorBody;
    const [keyset, signature] = nextCursor!.split('.');
    // The keyset says which id comes next: point it elsewhere, keep the signature.
    const edited = `${Buffer.from(JSON.stringify([0])).toString('base64url')}.${signature}`;
    const flipped = `${keyset}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    for (const bad of [edited, flipped, keyset, 'WzFd', '', 'a.b.c', '%', 'x'.repeat(1001)]) {
      const res = await t.http.get(`/users?cursor=${encodeURIComponent(bad)}&limit=1`);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(res.body.statusCode).toBe(400);
    }
  });

  it('a cursor signed with another CURSOR_SECRET (another deployment) → 400; one with the same secret continues', async () => {
    const secretA = 'a'.repeat(40);
    await t.close();
    t = await startApp({ env: { CURSOR_SECRET: secretA } });
    await seed(3, 0);
    const { nextCursor } = (await t.http.get('/users?limit=1').expect(200)).body as CursorBody;
    const url = t.databaseUrl;
    const other = await startApp({ db: url, env: { CURSOR_SECRET: 'b'.repeat(40) } });
    try {
      await other.http.get(`/users?cursor=${encodeURIComponent(nextCursor!)}&limit=1`).expect(400);
    } finally {
      await other.app.close();
    }
    const same = await startApp({ db: url, env: { CURSOR_SECRET: secretA } });
    try {
      const res = await same.http.get(`/users?cursor=${encodeURIComponent(nextCursor!)}&limit=1`).expect(200);
      expect(res.body.items).toHaveLength(1);
    } finally {
      await same.app.close();
    }
  });

  it('limit with page/perPage → 400; limit out of 1–100 → 400; page mode unchanged without limit/cursor', async () => {
    await seed(3, 0);
    for (const query of [
      'limit=5&page=1',
      'limit=5&perPage=5',
      'cursor=x&page=2',
      'limit=0',
      'limit=101',
      'limit=abc',
    ]) {
      const res = await t.http.get(`/users?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
    await t.http.get('/posts?limit=5&perPage=5').expect(400);
    const page = await t.http.get('/users?page=2&perPage=2').expect(200);
    expect(page.body).toMatchObject({ page: 2, perPage: 2, total: 3, pages: 2 });
    expect((await t.http.get('/users').expect(200)).body).toMatchObject({ page: 1, perPage: 20, total: 3 });
  });
});
