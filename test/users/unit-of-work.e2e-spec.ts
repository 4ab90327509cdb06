import { EntityManager } from '@mikro-orm/sql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inOwnContext } from '../../src/database/orm/own-context.js';
import { User } from '../../src/users/user.entity.js';
import type { PageRequest } from '../../src/common/pagination.js';
import type { UserFilter, UserRepository } from '../../src/users/user.repository.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { startRecording, type StatementRecorder } from '../helpers/statements.js';

// The hot-path changes (request context as an Express middleware, the repository's primary-key
// fast path) must keep the unit of work exactly as the Flask page describes it.
let t: TestApp;
let sql: StatementRecorder;
let ids: number[];

/** Runs `work` as one request would: in its own request context (a fork). */
function inRequest<T>(work: (em: EntityManager, users: UserRepository) => Promise<T>): Promise<T> {
  return inOwnContext(t.orm, () => {
    const em = t.app.get(EntityManager);
    return work(em, em.getRepository(User));
  });
}

beforeEach(async () => {
  t = await startApp();
  ids = [];
  for (const name of ['ann', 'bob']) {
    ids.push(
      (
        await t.http
          .post('/users')
          .send({ name, email: `${name}@x.io` })
          .expect(201)
      ).body.id,
    );
  }
  sql = startRecording();
});
afterEach(async () => {
  sql.stop();
  await t.close();
});

/** The primary-key fast path's statement (src/database/query/primary-key-lookup.ts), as logged. */
const FAST_PATH_SELECT =
  'select "id", "name", "email", "created_at", "updated_at", "version" from "users" where "id" = ?';

describe('UserRepository.findById', () => {
  it('returns the same managed instance for a second lookup in one request, with one statement', async () => {
    await inRequest(async (em, users) => {
      const first = await users.findById(ids[0]);
      const again = await users.findById(ids[0]);
      expect(again).toBe(first);
      expect(await em.findOne(User, { id: ids[0] })).toBe(first);
      expect(first).toBeInstanceOf(User);
      expect(first!.createdAt).toBeInstanceOf(Date);
    });
    // The fast path's own statement on both databases (findOne's would read `"u0".* … limit ?`).
    expect(sql.statements).toEqual([FAST_PATH_SELECT]);
  });

  it('loads exactly what findOne loads', async () => {
    const [fast, slow] = await Promise.all([
      inRequest((_em, users) => users.findById(ids[1])),
      inRequest((em) => em.findOne(User, { id: ids[1] })),
    ]);
    expect(fast).toEqual(slow);
    expect(fast).not.toBe(slow);
    expect(await inRequest((_em, users) => users.findById(999_999))).toBeNull();
  });

  it('gives another request another instance, untouched by the first one’s unflushed change', async () => {
    await inRequest(async (_em, users) => {
      const mine = (await users.findById(ids[0]))!;
      mine.name = 'changed, not flushed';
      const other = await inRequest((_em2, users2) => users2.findById(ids[0]));
      expect(other).not.toBe(mine);
      expect(other!.name).toBe('ann');
    });
  });

  it('returns an entity whose change the flush persists, and flushes nothing when unchanged', async () => {
    await inRequest(async (em, users) => {
      await users.findById(ids[0]);
      sql.reset();
      await em.flush();
      expect(sql.statements).toEqual([]);
      (await users.findById(ids[0]))!.name = 'anna';
      await em.flush();
    });
    expect(sql.statements.some((s) => /^update/i.test(s))).toBe(true);
    expect((await t.http.get(`/users/${ids[0]}`).expect(200)).body.name).toBe('anna');
  });

  it('loads an unloaded reference into the same instance', async () => {
    await inRequest(async (em, users) => {
      const ref = em.getReference(User, ids[1]);
      const loaded = await users.findById(ids[1]);
      expect(loaded).toBe(ref);
      expect(loaded!.name).toBe('bob');
    });
  });

  it('auto-flushes a pending insert first, as findOne does', async () => {
    await inRequest(async (em, users) => {
      em.persist(new User('cid', 'cid@x.io'));
      await users.findById(ids[0]);
    });
    expect(await t.count('users')).toBe(3);
  });

  it('reads through an open transaction, seeing its own uncommitted writes', async () => {
    let seenInside: string | undefined;
    const outcome = inRequest((em, users) =>
      em.transactional(async () => {
        await em.nativeUpdate(User, { id: ids[1] }, { name: 'inside' });
        seenInside = (await users.findById(ids[1]))?.name;
        throw new Error('roll back');
      }),
    );
    await expect(outcome).rejects.toThrow('roll back');
    expect(seenInside).toBe('inside');
    // Inside the transaction the read was findOne's, on the transaction's connection.
    expect(sql.statements).not.toContain(FAST_PATH_SELECT);
    expect(sql.statements.some((s) => / from (.)users\1 as \1u0\1 where \1u0\1\.\1id\1 = \?/.test(s))).toBe(true);
    expect((await t.http.get(`/users/${ids[1]}`).expect(200)).body.name).toBe('bob');
  });
});

/** The page fast path's statements (src/database/query/find-page.ts), as logged, filtered by name. */
const PAGE_COUNT_BY_NAME = 'select count(*) as "count" from "users" where "name" = ?';
const PAGE_SELECT_BY_NAME =
  'select "id", "name", "email", "created_at", "updated_at", "version" from "users" where "name" = ? order by "id" asc limit ? offset ?';
const FIRST_PAGE = { page: 1, perPage: 20 };

describe('UserRepository.paginate (the page fast path)', () => {
  it('reads a filtered page with its own two statements, values bound', async () => {
    const page = await inRequest((_em, users) => users.paginate({ name: 'bob' }, FIRST_PAGE));
    expect(page.items.map((user) => user.name)).toEqual(['bob']);
    expect(page).toMatchObject({ total: 1, page: 1, perPage: 20, pages: 1 });
    expect(sql.statements).toEqual([PAGE_COUNT_BY_NAME, PAGE_SELECT_BY_NAME]);
  });

  it('loads exactly what count and find load: filters, order, offset, an empty page', async () => {
    for (const name of ['cid', 'dan', 'eve'])
      await t.http
        .post('/users')
        .send({ name, email: `${name}@x.io` })
        .expect(201);
    const cases: [UserFilter, PageRequest][] = [
      [{}, { page: 2, perPage: 2 }],
      [{ email: 'EVE@x.io' }, FIRST_PAGE],
      [{ name: 'ann', email: 'bob@x.io' }, FIRST_PAGE],
      [{}, { page: 9, perPage: 2 }],
    ];
    for (const [filter, request] of cases) {
      const fast = await inRequest((_em, users) => users.paginate(filter, request));
      const where = { ...filter, ...(filter.email ? { email: filter.email.toLowerCase() } : {}) };
      const slow = await inRequest(async (em) => ({
        total: await em.count(User, where),
        items: await em.find(User, where, {
          orderBy: { id: 'asc' },
          limit: request.perPage,
          offset: (request.page - 1) * request.perPage,
        }),
      }));
      expect(fast.total).toBe(slow.total);
      expect(fast.items).toEqual(slow.items);
      for (const user of fast.items) expect(user).toBeInstanceOf(User);
    }
  });

  it('hands back the instance the request already holds, its unflushed change kept, as find does', async () => {
    await inRequest(async (em, users) => {
      const held = (await users.findById(ids[1]))!;
      held.email = 'changed, not flushed';
      const page = await users.paginate({ name: 'bob' }, FIRST_PAGE);
      expect(page.items[0]).toBe(held);
      expect(held.email).toBe('changed, not flushed');
      const viaFind = await em.find(User, { name: 'bob' });
      expect(viaFind[0]).toBe(held);
      expect(held.email).toBe('changed, not flushed');
    });
  });

  it('returns managed entities: a change to one is flushed, another request sees its own instance', async () => {
    await inRequest(async (em, users) => {
      const [ann] = (await users.paginate({ name: 'ann' }, FIRST_PAGE)).items;
      ann.name = 'anna';
      const other = await inRequest((_em2, users2) => users2.paginate({ name: 'ann' }, FIRST_PAGE));
      expect(other.items[0]).not.toBe(ann);
      expect(other.items[0].name).toBe('ann');
      sql.reset();
      await em.flush();
    });
    expect(sql.statements.some((s) => /^update/i.test(s))).toBe(true);
    expect((await t.http.get(`/users/${ids[0]}`).expect(200)).body.name).toBe('anna');
  });

  it('auto-flushes a pending insert first (through count and find), as the ORM does', async () => {
    const page = await inRequest((em, users) => {
      em.persist(new User('bob2', 'bob2@x.io'));
      return users.paginate({}, FIRST_PAGE);
    });
    expect(page.total).toBe(3);
    expect(page.items.map((user) => user.name)).toEqual(['ann', 'bob', 'bob2']);
    expect(sql.statements).not.toContain(PAGE_SELECT_BY_NAME);
  });

  it('reads through an open transaction with count and find, seeing its own uncommitted writes', async () => {
    let seenInside: string[] = [];
    const outcome = inRequest((em, users) =>
      em.transactional(async () => {
        await em.nativeUpdate(User, { id: ids[1] }, { name: 'inside' });
        seenInside = (await users.paginate({ name: 'inside' }, FIRST_PAGE)).items.map((user) => user.email);
        throw new Error('roll back');
      }),
    );
    await expect(outcome).rejects.toThrow('roll back');
    expect(seenInside).toEqual(['bob@x.io']);
    expect(sql.statements).not.toContain(PAGE_COUNT_BY_NAME);
    expect(sql.statements.some((s) => /count\(.*\).* from (.)users\1 as \1u0\1/.test(s))).toBe(true);
  });
});

describe('HTTP requests, each in its own fork', () => {
  it('maps duplicates to 409 naming the field on create and on update', async () => {
    expect((await t.http.post('/users').send({ name: 'ann', email: 'new@x.io' }).expect(409)).body.field).toBe('name');
    expect((await t.http.patch(`/users/${ids[1]}`).send({ email: 'ANN@x.io' }).expect(409)).body.field).toBe('email');
    expect((await t.http.get(`/users/${ids[1]}`).expect(200)).body.email).toBe('bob@x.io');
  });

  it('serves concurrent requests from separate identity maps (no global context)', async () => {
    const responses = await Promise.all(
      ids.flatMap((id) => [t.http.get(`/users/${id}`), t.http.patch(`/users/${id}`).send({ name: `n${id}` })]),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(t.orm.em.getUnitOfWork(false).getIdentityMap().values()).toHaveLength(0);
  });
});
