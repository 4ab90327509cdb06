/**
 * Owns (schema/): what the live schema holds and the first start's bootstrap (create the schema
 * of an empty development database). Must not import: features, observability, http.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlPlatform, AbstractSqlConnection } from '@mikro-orm/sql';

/** Which of the mapped entities' tables the live database has, read from the database itself. */
export interface SchemaState {
  present: string[];
  missing: string[];
}

export async function readSchemaState(orm: MikroORM): Promise<SchemaState> {
  const platform = orm.driver.getPlatform() as AbstractSqlPlatform;
  const connection = orm.driver.getConnection() as AbstractSqlConnection;
  const tables = await platform.getSchemaHelper()!.getAllTables(connection);
  const existing = new Set(tables.map((table) => table.table_name));
  const wanted = [...orm.getMetadata().getAll().values()]
    .filter((meta) => !meta.embeddable && !meta.virtual)
    .map((meta) => meta.tableName);
  return {
    present: wanted.filter((table) => existing.has(table)),
    missing: wanted.filter((table) => !existing.has(table)),
  };
}
