import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOutput } from '../../src/cli/cli-command.js';
import { dbInspectCommand } from '../../src/cli/commands/db-inspect.command.js';
import { schemaCreateCommand } from '../../src/cli/commands/schema-create.command.js';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { appOrmOptions } from '../../src/app-orm.js';
import type { DatabaseInspection } from '../../src/sql/inspect/inspect-database.js';
import { tempDir } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

let dir: ReturnType<typeof tempDir>;
let orm: MikroORM;
beforeEach(async () => {
  dir = tempDir();
  orm = await MikroORM.init(appOrmOptions({ database: parseDatabaseUrl(`sqlite:${join(dir.path, 'db.sqlite3')}`) }));
});
afterEach(async () => {
  await orm.close();
  dir.remove();
});

function collector(): CliOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m) => lines.push(m), error: (m) => lines.push(`ERR ${m}`) };
}

async function inspectJson(): Promise<DatabaseInspection> {
  const out = collector();
  expect(await dbInspectCommand.run(orm, ['--json'], out)).toBe(0);
  return JSON.parse(out.lines.join('\n')) as DatabaseInspection;
}

// SQLite only: this spec reads SQLite's own catalogue (its types, autoindexes and pragmas); the
// same command on PostgreSQL (information_schema and pg_catalog) is covered by test/sql/postgres.e2e-spec.ts.
describe.skipIf(onPostgres)(
  'db:inspect on SQLite (SQLite only: its catalogue; PostgreSQL in test/sql/postgres.e2e-spec.ts)',
  () => {
    it('reflects the schema that schema:create made: columns, keys, unique constraints, foreign keys', async () => {
      expect(await schemaCreateCommand.run(orm, [], collector())).toBe(0);
      const { tables } = await inspectJson();
      expect(tables.map((t) => t.name)).toEqual(['idempotency_keys', 'posts', 'users']);
      const [, posts, users] = tables;
      expect(users.primaryKey).toEqual(['id']);
      // SQLite has no varchar limits: MikroORM declares strings as `text`, and that is what the
      // database says (the lengths are the request schemas' business).
      expect(users.columns.map((c) => [c.name, c.type, c.nullable, c.primaryKey, c.autoincrement])).toEqual([
        ['id', 'integer', false, true, true],
        ['name', 'text', false, false, false],
        ['email', 'text', false, false, false],
        ['created_at', 'datetime', false, false, false],
        ['updated_at', 'datetime', false, false, false],
        ['version', 'integer', false, false, false],
      ]);
      expect(users.indexes).toEqual([
        { name: 'users_email_unique', columns: ['email'], unique: true, constraint: false },
        { name: 'users_name_unique', columns: ['name'], unique: true, constraint: false },
      ]);
      expect(posts.columns.find((c) => c.name === 'author_id')).toMatchObject({ type: 'integer', nullable: false });
      expect(posts.foreignKeys).toEqual([
        expect.objectContaining({
          name: 'posts_author_id_foreign',
          columns: ['author_id'],
          referencedTable: 'users',
          referencedColumns: ['id'],
          onDelete: 'cascade',
        }),
      ]);
      expect(posts.indexes.map((i) => i.columns)).toEqual(
        expect.arrayContaining([['author_id'], ['created_at', 'id']]),
      );
    });

    it('reflects a table made by hand with raw SQL, which no entity describes', async () => {
      const connection = orm.em.getConnection();
      await connection.execute(
        'create table warehouses (id integer primary key autoincrement, code text not null unique)',
      );
      await connection.execute(`create table stock (
      sku varchar(32) not null,
      warehouse_id integer references warehouses (id) on delete restrict,
      qty integer not null default 0,
      note text,
      primary key (sku, warehouse_id),
      unique (warehouse_id, note)
    )`);
      await connection.execute('create unique index stock_note_unique on stock (note)');
      await connection.execute('create index stock_qty_index on stock (qty)');
      const { tables } = await inspectJson();
      expect(tables.map((t) => t.name)).toEqual(['stock', 'warehouses']);
      const [stock, warehouses] = tables;
      expect(stock.primaryKey).toEqual(['sku', 'warehouse_id']);
      expect(stock.columns).toEqual([
        { name: 'sku', type: 'varchar(32)', nullable: false, default: null, primaryKey: true, autoincrement: false },
        {
          name: 'warehouse_id',
          type: 'integer',
          nullable: true,
          default: null,
          primaryKey: true,
          autoincrement: false,
        },
        { name: 'qty', type: 'integer', nullable: false, default: '0', primaryKey: false, autoincrement: false },
        { name: 'note', type: 'text', nullable: true, default: null, primaryKey: false, autoincrement: false },
      ]);
      expect(stock.indexes).toEqual([
        { name: 'sqlite_autoindex_stock_2', columns: ['warehouse_id', 'note'], unique: true, constraint: true },
        { name: 'stock_note_unique', columns: ['note'], unique: true, constraint: false },
        { name: 'stock_qty_index', columns: ['qty'], unique: false, constraint: false },
      ]);
      expect(stock.foreignKeys).toEqual([
        expect.objectContaining({
          columns: ['warehouse_id'],
          referencedTable: 'warehouses',
          referencedColumns: ['id'],
          onDelete: 'restrict',
        }),
      ]);
      expect(warehouses.columns[0]).toMatchObject({ name: 'id', primaryKey: true, autoincrement: true });
      expect(warehouses.indexes).toEqual([
        expect.objectContaining({ columns: ['code'], unique: true, constraint: true }),
      ]);
    });

    it('names each foreign key of a hand-made table after its own constraint', async () => {
      const connection = orm.em.getConnection();
      await connection.execute('create table a (id integer primary key)');
      await connection.execute('create table b (id integer primary key)');
      await connection.execute(`create table link (
      a_id integer not null, b_id integer not null,
      constraint link_to_a foreign key (a_id) references a (id) on delete cascade,
      constraint link_to_b foreign key (b_id) references b (id) on update cascade
    )`);
      const { tables } = await inspectJson();
      const link = tables.find((t) => t.name === 'link')!;
      expect(link.foreignKeys.map((fk) => [fk.name, fk.columns, fk.referencedTable, fk.onDelete, fk.onUpdate])).toEqual(
        [
          ['link_to_a', ['a_id'], 'a', 'cascade', 'no action'],
          ['link_to_b', ['b_id'], 'b', 'no action', 'cascade'],
        ],
      );
    });

    it('prints a readable table by default', async () => {
      await orm.em.getConnection().execute('create table notes (id integer primary key, body text not null unique)');
      const out = collector();
      expect(await dbInspectCommand.run(orm, [], out)).toBe(0);
      const text = out.lines.join('\n');
      expect(text).toContain('table notes');
      expect(text).toMatch(/ id\s+integer\s+not null, primary key/);
      expect(text).toMatch(/ body\s+text\s+not null/);
      expect(text).toContain('primary key: (id)');
      expect(text).toMatch(/unique (index|constraint) \S+ \(body\)/);
    });

    it('says so for an empty database, and refuses an unknown flag', async () => {
      const out = collector();
      expect(await dbInspectCommand.run(orm, [], out)).toBe(0);
      expect(out.lines.join('\n')).toMatch(/no tables$/);
      await expect(dbInspectCommand.run(orm, ['--yaml'], collector())).rejects.toThrow('unknown argument --yaml');
    });
  },
);
