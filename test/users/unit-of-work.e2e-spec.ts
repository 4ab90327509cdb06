import { EntityManager } from '@mikro-orm/sql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inOwnContext } from '../../src/database/orm/own-context.js';
import { User } from '../../src/users/user.entity.js';
import type { UserRepository } from '../../src/users/user.repository.js';
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
