import type { MikroORM } from '@mikro-orm/core';
import {
  DatabaseSchema,
  type AbstractSqlConnection,
  type AbstractSqlPlatform,
  type EntityManager,
} from '@mikro-orm/sql';
import { SqlitePlatform } from '@mikro-orm/sqlite';
import { inspectSqlite } from './sqlite-inspector.js';

export interface InspectedColumn {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
  primaryKey: boolean;
  autoincrement: boolean;
}

export interface InspectedIndex {
  name: string;
  columns: string[];
  unique: boolean;
  /** A UNIQUE constraint rather than a plain (unique) index; the difference matters on PostgreSQL. */
  constraint: boolean;
  /** Set for an index on an expression instead of plain columns. */
  expression?: string;
}

export interface InspectedForeignKey {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string | null;
  onUpdate: string | null;
}

export interface InspectedTable {
  name: string;
  schema: string | null;
  columns: InspectedColumn[];
  primaryKey: string[];
  indexes: InspectedIndex[];
  foreignKeys: InspectedForeignKey[];
}

export interface DatabaseInspection {
  database: string;
  tables: InspectedTable[];
}

/**
 * Reads the live database's tables back from the database itself (the page's
 * `Table('users', metadata, autoload=True)`): SQLite's catalogue pragmas (sqlite-inspector.ts),
 * and on other databases (PostgreSQL) information_schema and pg_catalog through MikroORM's
 * schema reflection. The entity metadata is never consulted, so tables this app does not map,
 * or a database it did not create, come out the same way.
 */
export async function inspectDatabase(orm: MikroORM): Promise<DatabaseInspection> {
  const database = orm.config.get('dbName') ?? '';
  if (orm.driver.getPlatform() instanceof SqlitePlatform) {
    return { database, tables: await inspectSqlite(orm.em.fork() as EntityManager) };
  }
  return { database, tables: await reflectWithMikroOrm(orm) };
}

async function reflectWithMikroOrm(orm: MikroORM): Promise<InspectedTable[]> {
  const platform = orm.driver.getPlatform() as AbstractSqlPlatform;
  const connection = orm.driver.getConnection() as AbstractSqlConnection;
  const schema = await DatabaseSchema.create(connection, platform, orm.config);
  return schema
    .getTables()
    .map((table): InspectedTable => {
      const indexes = table.getIndexes();
      const primary = indexes.find((index) => index.primary);
      return {
        name: table.name,
        schema: table.schema ?? null,
        columns: table.getColumns().map((column) => ({
          name: column.name,
          type: column.type,
          nullable: column.nullable ?? false,
          default: column.default ?? null,
          primaryKey: column.primary ?? primary?.columnNames.includes(column.name) ?? false,
          autoincrement: column.autoincrement ?? false,
        })),
        primaryKey: primary?.columnNames ?? [],
        indexes: indexes
          .filter((index) => !index.primary)
          .map((index) => ({
            name: index.keyName,
            columns: index.columnNames,
            unique: index.unique,
            constraint: index.constraint,
            ...(index.expression ? { expression: index.expression } : {}),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        foreignKeys: Object.values(table.getForeignKeys())
          .map((fk) => ({
            name: fk.constraintName,
            columns: fk.columnNames,
            referencedTable: fk.referencedTableName,
            referencedColumns: fk.referencedColumnNames,
            onDelete: normaliseRule(fk.deleteRule),
            onUpdate: normaliseRule(fk.updateRule),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    })
    .sort((a, b) => `${a.schema ?? ''}.${a.name}`.localeCompare(`${b.schema ?? ''}.${b.name}`));
}

/** `CASCADE`, `cascade` and `no action` read alike whatever the driver reports. */
function normaliseRule(rule: string | undefined): string | null {
  return rule ? rule.toLowerCase() : null;
}
