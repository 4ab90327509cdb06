import { MikroORM } from '@mikro-orm/core';
import type { SqliteConnection } from '@mikro-orm/sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { User } from '../../users/user.entity.js';
import { appOrmOptions } from '../../app-orm.js';
import { CachedSqliteConnection } from './sqlite-statement-cache.js';

let orm: MikroORM;
beforeEach(async () => {
  orm = await MikroORM.init(appOrmOptions({ database: { driver: 'sqlite', file: ':memory:', inMemory: true } }));
  await orm.schema.create();
});
afterEach(() => orm.close());

it('runs on the cached connection and prepares each SQL text once', async () => {
  const connection = orm.em.getConnection() as SqliteConnection;
  expect(connection).toBeInstanceOf(CachedSqliteConnection);
  const db = await connection.getNativeClient();
  expect(db.prepare('select 1')).toBe(db.prepare('select 1'));
});

it('gives a statement that is still iterating a fresh twin instead of failing', async () => {
  const db = await (orm.em.getConnection() as SqliteConnection).getNativeClient();
  db.exec('create table n (v integer)');
  db.exec('insert into n values (1), (2), (3)');
  const outer = db.prepare('select v from n');
  const seen: number[] = [];
  for (const row of outer.iterate() as Iterable<{ v: number }>) {
    seen.push(row.v, ...(db.prepare('select v from n').all() as { v: number }[]).map((r) => r.v * 10));
  }
  expect(seen).toEqual([1, 10, 20, 30, 2, 10, 20, 30, 3, 10, 20, 30]);
});

it('binds values instead of inlining them, so quotes and question marks stay data', async () => {
  const db = await (orm.em.getConnection() as SqliteConnection).getNativeClient();
  const cachedPrepare = db.prepare.bind(db);
  const prepared: string[] = [];
  db.prepare = (text: string) => (prepared.push(text), cachedPrepare(text));
  const em = orm.em.fork();
  const odd = new User(`O'Brien? '); drop table users; --`, `a'b?@x.io`);
  await em.persist(odd).flush();
  const found = await orm.em.fork().findOne(User, { name: odd.name, email: odd.email });
  expect(found?.id).toBe(odd.id);
  expect(prepared.some((text) => / where .*`name` = \?/.test(text))).toBe(true);
  expect(prepared.filter((text) => text.includes('Brien'))).toEqual([]);
  expect(await orm.em.fork().count(User)).toBe(1);
});

it('binds dates as the milliseconds MikroORM stores, with the same results', async () => {
  const db = await (orm.em.getConnection() as SqliteConnection).getNativeClient();
  const cachedPrepare = db.prepare.bind(db);
  const prepared: string[] = [];
  db.prepare = (text: string) => (prepared.push(text), cachedPrepare(text));
  const em = orm.em.fork();
  await em.persist(new User('ann', 'ann@x.io')).flush();
  const past = new Date(Date.now() - 60_000);
  expect(await orm.em.fork().count(User, { createdAt: { $gt: past } })).toBe(1);
  expect(await orm.em.fork().count(User, { createdAt: { $lt: past } })).toBe(0);
  expect(prepared.some((text) => /`created_at` > \?/.test(text))).toBe(true);
  expect(prepared.filter((text) => text.includes(String(+past)))).toEqual([]);
});
