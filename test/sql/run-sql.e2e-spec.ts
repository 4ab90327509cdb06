import type { EntityManager } from '@mikro-orm/sql';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runSql } from '../../src/sql/run-sql.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await startApp();
  await t.http.post('/users').send({ name: 'admin', email: 'admin@localhost' }).expect(201);
});
afterEach(() => t.close());

const fork = () => t.orm.em.fork() as EntityManager;

it('runs the page’s `select * from users where id = :1` and returns plain rows keyed by column', async () => {
  const em = fork();
  const rows = await runSql(em, 'select * from users where id = ?', [1]);
  expect(rows).toEqual([
    {
      id: 1,
      name: 'admin',
      email: 'admin@localhost',
      created_at: expect.anything(),
      updated_at: expect.anything(),
      version: 1,
    },
  ]);
  expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
  // Nothing was hydrated into the fork's identity map.
  expect(em.getUnitOfWork().getIdentityMap().values()).toHaveLength(0);
});

it('keeps a hostile value as data, never as SQL', async () => {
  const em = fork();
  const hostile = "admin' or '1'='1'; drop table users; --";
  expect(await runSql(em, 'select id from users where name = ?', [hostile])).toEqual([]);
  expect(await runSql(em, 'select name from users where name = ?', ['admin'])).toEqual([{ name: 'admin' }]);
  expect(await t.count('users')).toBe(1);
});

it('refuses a placeholder count that does not match the parameters', async () => {
  const em = fork();
  await expect(runSql(em, 'select * from users where id = ? and name = ?', [1])).rejects.toThrow(
    'runSql: 2 placeholder(s) but 1 parameter(s)',
  );
});

it('joins the transaction of the EntityManager it is given', async () => {
  let inside: unknown;
  const work = fork().transactional(async (em) => {
    await runSql(
      em,
      'insert into users (name, email, created_at, updated_at) values (?, ?, current_timestamp, current_timestamp)',
      ['ghost', 'g@x'],
    );
    const [row] = await runSql<{ n: unknown }>(em, 'select count(*) as n from users');
    inside = Number(row.n); // PostgreSQL's count is a bigint, returned as a string
    throw new Error('roll back');
  });
  await expect(work).rejects.toThrow('roll back');
  expect(inside).toBe(2);
  expect(await t.count('users')).toBe(1);
});
