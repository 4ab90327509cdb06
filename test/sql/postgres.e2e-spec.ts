import type { EntityManager } from '@mikro-orm/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbInspectCommand } from '../../src/cli/commands/db-inspect.command.js';
import type { DatabaseInspection } from '../../src/sql/inspect/inspect-database.js';
import { runSql } from '../../src/sql/run-sql.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

/**
 * The SQL layer's PostgreSQL-specific paths (strpos, collate "C", information_schema reflection).
 * Runs in the postgres project (TEST_POSTGRES_URL set), on a fresh database of its own.
 */
describe.skipIf(!onPostgres)('SQL layer on PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers stats, export, bulk and posts as on SQLite', async () => {
    const items = ['a@ab.com', 'b@a-b.com', 'c@ab.com', 'd@a-b.com', 'e@z.io'].map((email, i) => ({
      name: `u${i}`,
      email,
    }));
    const created = await t.http.post('/users/bulk').send(items).expect(201);
    expect(created.body.created).toBe(5);
    const dup = await t.http
      .post('/users/bulk')
      .send([
        { name: 'new', email: 'x@y' },
        { name: 'u3', email: 'q@y' },
      ])
      .expect(409);
    expect(dup.body).toMatchObject({ index: 1, field: 'name' });
    await t.http.post(`/users/${created.body.ids[0]}/posts`).send({ title: 't', body: 'b' }).expect(201);
    const stats = await t.http.get('/users/stats').expect(200);
    expect(stats.body).toEqual({
      users: 5,
      posts: 1,
      topEmailDomains: [
        { domain: 'a-b.com', users: 2 },
        { domain: 'ab.com', users: 2 },
        { domain: 'z.io', users: 1 },
      ],
    });
    const exported = await t.http.get('/users/export').expect(200);
    const lines = exported.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; createdAt: string });
    expect(lines.map((l) => l.id)).toEqual(created.body.ids);
    expect(lines[0].createdAt).toMatch(/Z$/);
    const feed = await t.http.get('/posts').expect(200);
    expect(feed.body.items[0].author).toEqual({ id: created.body.ids[0], name: 'u0' });
  });

  it('binds runSql parameters on PostgreSQL too', async () => {
    const em = t.orm.em.fork() as EntityManager;
    expect(await runSql(em, 'select name from users where email = ?', ["a@ab.com' or '1'='1"])).toEqual([]);
    expect(await runSql(em, 'select name from users where email = ?', ['a@ab.com'])).toEqual([{ name: 'u0' }]);
  });

  it('inspects the schema and a hand-made table', async () => {
    const connection = t.orm.em.getConnection();
    await connection.execute('create table warehouses (id serial primary key, code varchar(10) not null unique)');
    await connection.execute(
      'create table stock (sku varchar(32) not null, warehouse_id integer not null references warehouses (id) on delete restrict, qty integer not null default 0, primary key (sku, warehouse_id))',
    );
    const lines: string[] = [];
    expect(
      await dbInspectCommand.run(t.orm, ['--json'], { log: (m) => lines.push(m), error: (m) => lines.push(m) }),
    ).toBe(0);
    const { tables } = JSON.parse(lines.join('\n')) as DatabaseInspection;
    expect(tables.map((table) => table.name)).toEqual(['idempotency_keys', 'posts', 'stock', 'users', 'warehouses']);
    const stock = tables.find((table) => table.name === 'stock')!;
    expect(stock.primaryKey).toEqual(['sku', 'warehouse_id']);
    expect(stock.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['sku', 'varchar(32)', false],
      ['warehouse_id', 'int4', false],
      ['qty', 'int4', false],
    ]);
    expect(stock.foreignKeys).toEqual([
      expect.objectContaining({
        columns: ['warehouse_id'],
        referencedTable: 'public.warehouses',
        onDelete: 'restrict',
      }),
    ]);
    const users = tables.find((table) => table.name === 'users')!;
    expect(users.indexes.filter((i) => i.unique).map((i) => i.columns)).toEqual([['email'], ['name']]);
    const warehouses = tables.find((table) => table.name === 'warehouses')!;
    expect(warehouses.indexes).toEqual([expect.objectContaining({ columns: ['code'], unique: true })]);
  });
});
