import type { SqliteConnection } from '@mikro-orm/sqlite';
import type Database from 'better-sqlite3';

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The primary-key fast path's read on SQLite (query/primary-key-lookup.ts): one prepared
 * statement per SQL text, kept on the native better-sqlite3 handle, run with the key bound.
 */
export async function readSqliteRow(
  connection: SqliteConnection,
  sql: string,
  id: number,
): Promise<Record<string, unknown> | undefined> {
  const db = await connection.getNativeClient();
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement.get(id) as Record<string, unknown> | undefined;
}
