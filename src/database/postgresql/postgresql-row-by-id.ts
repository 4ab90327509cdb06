import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';

const positional = new Map<string, string>();

/**
 * The primary-key fast path's read on PostgreSQL (query/primary-key-lookup.ts): the statement
 * with its one `?` as `$1` and the key bound, through the connection's Kysely instance, so it
 * takes a pooled connection like every ORM statement (the pool's acquire timeout, its session
 * hooks) and, with DB_PREPARED_STATEMENTS on, runs as a named prepared statement
 * (prepared-statements.ts): parsed and planned once per connection.
 */
export async function readPostgreSqlRow(
  connection: PostgreSqlConnection,
  sql: string,
  id: number,
): Promise<Record<string, unknown> | undefined> {
  let text = positional.get(sql);
  if (text === undefined) positional.set(sql, (text = sql.replace(/\?$/, '$1')));
  await connection.ensureConnection();
  const { rows } = await connection.getClient().executeQuery(CompiledQuery.raw(text, [id]));
  return rows[0] as Record<string, unknown> | undefined;
}
