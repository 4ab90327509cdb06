import { EntityManager } from '@mikro-orm/sql';
import { afterEach, describe, expect, it } from 'vitest';
import { toHttpError } from '../../src/http/http-error.filter.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

// A pool is PostgreSQL's: SQLite works on one connection in-process, so this is postgres-only.
describe.skipIf(!onPostgres)('connection pool (PostgreSQL)', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('answers 503 when no connection comes free in DB_POOL_TIMEOUT_MS, and recovers after', async () => {
    t = await startApp({ env: { DB_POOL_MAX: '1', DB_POOL_TIMEOUT_MS: '300' } });
    await t.http.post('/users').send({ name: 'ann', email: 'ann@example.org' }).expect(201);

    // Hold the only connection in a transaction while requests arrive.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    const holder = t.app
      .get(EntityManager)
      .fork()
      .transactional(async (em) => {
        await em.execute('select 1');
        holding();
        await held;
      });
    await isHolding;
    const [read, write] = await Promise.all([
      t.http.get('/users'),
      t.http.post('/users').send({ name: 'bob', email: 'bob@example.org' }),
    ]);
    release();
    await holder;

    expect(read.status).toBe(503);
    expect(read.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the database is busy, try again',
    });
    expect(write.status).toBe(503);
    const after = await t.http.get('/users').expect(200);
    expect(after.body.items.map((u: { name: string }) => u.name)).toEqual(['ann']);
  });

  it('reads DB_POOL_MAX into the pool', async () => {
    t = await startApp({ env: { DB_POOL_MAX: '7' } });
    expect(t.orm.config.get('pool').max).toBe(7);
  });
});

describe.skipIf(!onPostgres)('deadlocks (PostgreSQL)', () => {
  it('maps a real deadlock to a 503 the client can retry, not a 500', async () => {
    const t = await startApp();
    try {
      const [a, b] = await Promise.all([
        t.http.post('/users').send({ name: 'ann', email: 'ann@example.org' }),
        t.http.post('/users').send({ name: 'bob', email: 'bob@example.org' }),
      ]);
      const em = t.app.get(EntityManager);
      let bothLocked!: () => void;
      let lockedCount = 0;
      const ready = new Promise<void>((resolve) => (bothLocked = resolve));
      // Each transaction locks one row, waits for the other, then wants the other's row.
      const crossLock = (first: number, second: number) =>
        em.fork().transactional(async (tx) => {
          await tx.execute('select id from users where id = ? for update', [first]);
          if (++lockedCount === 2) bothLocked();
          await ready;
          await tx.execute('select id from users where id = ? for update', [second]);
        });
      const results = await Promise.allSettled([crossLock(a.body.id, b.body.id), crossLock(b.body.id, a.body.id)]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(toHttpError(failed[0].reason).body).toMatchObject({
        statusCode: 503,
        message: 'the database is busy, try again',
      });
    } finally {
      await t.close();
    }
  });
});
