import type { EntityManager } from '@mikro-orm/sql';
import { runSql } from '../run-sql.js';
import type { InspectedIndex, InspectedTable } from './inspect-database.js';

interface ColumnRow {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}
interface IndexRow {
  name: string;
  unique: number;
  /** `c` CREATE INDEX, `u` UNIQUE constraint, `pk` PRIMARY KEY. */
  origin: string;
}
interface ForeignKeyRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}

/**
 * SQLite's own catalogue, read with its table-valued pragmas (`pragma_table_xinfo(?)` and
 * friends take the table name as a bound parameter). MikroORM's schema helper skips SQLite's
 * automatic indexes, so an inline `unique` or a `unique (a, b)` constraint of a table made by
 * hand would not show; this reader keeps them.
 */
export async function inspectSqlite(em: EntityManager): Promise<InspectedTable[]> {
  const tables = await runSql<{ name: string; sql: string }>(
    em,
    "select name, sql from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name",
  );
  const result: InspectedTable[] = [];
  for (const table of tables) result.push(await inspectTable(em, table.name, table.sql));
  return result;
}

async function inspectTable(em: EntityManager, name: string, ddl: string): Promise<InspectedTable> {
  const columns = (
    await runSql<ColumnRow & Record<string, unknown>>(em, 'select * from pragma_table_xinfo(?) order by cid', [name])
  )
    // hidden = 1: a virtual table's hidden column, not part of the table's shape.
    .filter((column) => column.hidden !== 1);
  const primaryKey = columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  // A lone INTEGER PRIMARY KEY is the rowid itself: never null, and AUTOINCREMENT applies to it.
  const rowidAlias =
    primaryKey.length === 1 && columns.find((c) => c.name === primaryKey[0])?.type.toLowerCase() === 'integer';
  const autoincrement = rowidAlias && /\bautoincrement\b/i.test(ddl);
  return {
    name,
    schema: null,
    columns: columns.map((column) => {
      const isRowid = rowidAlias && column.name === primaryKey[0];
      return {
        name: column.name,
        type: column.type.toLowerCase(),
        nullable: !column.notnull && !isRowid,
        default: column.dflt_value,
        primaryKey: column.pk > 0,
        autoincrement: isRowid && autoincrement,
      };
    }),
    primaryKey,
    indexes: await inspectIndexes(em, name),
    foreignKeys: await inspectForeignKeys(em, name),
  };
}

async function inspectIndexes(em: EntityManager, table: string): Promise<InspectedIndex[]> {
  const indexes = await runSql<IndexRow & Record<string, unknown>>(em, 'select * from pragma_index_list(?)', [table]);
  const result: InspectedIndex[] = [];
  // The primary key is reported on its own; its automatic index would only repeat it.
  for (const index of indexes.filter((i) => i.origin !== 'pk')) {
    const parts = await runSql<{ name: string | null } & Record<string, unknown>>(
      em,
      'select name from pragma_index_info(?) order by seqno',
      [index.name],
    );
    result.push({
      name: index.name,
      // A null name is an expression; SQLite's pragmas do not say which.
      columns: parts.map((part) => part.name ?? '<expression>'),
      unique: index.unique === 1,
      constraint: index.origin === 'u',
    });
  }
  return result.sort((a, b) => a.name.localeCompare(b.name));
}

async function inspectForeignKeys(em: EntityManager, table: string): Promise<InspectedTable['foreignKeys']> {
  const rows = await runSql<ForeignKeyRow & Record<string, unknown>>(
    em,
    'select * from pragma_foreign_key_list(?) order by id, seq',
    [table],
  );
  const byId = new Map<number, ForeignKeyRow[]>();
  for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  const constraintNames = await foreignKeyNames(em, table);
  const keys = [...byId.values()].map((parts, i) => ({
    // SQLite keeps no name for a foreign key; the DDL's `constraint <name>` is used when there is one.
    name: constraintNames[i] ?? `${table}_fk_${parts[0].id}`,
    columns: parts.map((p) => p.from),
    referencedTable: parts[0].table,
    // A reference without columns means the referenced table's primary key.
    referencedColumns: parts.map((p) => p.to ?? '<primary key>'),
    onDelete: parts[0].on_delete.toLowerCase(),
    onUpdate: parts[0].on_update.toLowerCase(),
  }));
  return keys.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Names given with `constraint <name> foreign key` in the table's DDL, in the reverse order of
 * SQLite's foreign key ids (it numbers them from the last one declared). Unnamed keys get none.
 */
async function foreignKeyNames(em: EntityManager, table: string): Promise<(string | undefined)[]> {
  const [row] = await runSql<{ sql: string }>(em, "select sql from sqlite_master where type = 'table' and name = ?", [
    table,
  ]);
  const names = [...(row?.sql ?? '').matchAll(/constraint\s+[`"[]?(\w+)[`"\]]?\s+foreign\s+key/gi)].map((m) => m[1]);
  const declared = (row?.sql ?? '').match(/\breferences\b/gi)?.length ?? 0;
  // Only trust the names when every foreign key is named; otherwise positions cannot be matched.
  return names.length === declared ? names.toReversed() : [];
}
