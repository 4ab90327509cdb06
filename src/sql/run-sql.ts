import type { EntityManager } from '@mikro-orm/sql';

/** A value that may be bound to a `?` placeholder. */
export type SqlValue = string | number | bigint | boolean | Date | null;

/** One result row, keyed by column name (or alias) exactly as the SELECT names it. */
export type SqlRow = Record<string, unknown>;

/**
 * The only door for raw SQL in the service: the Flask page's
 * `engine.execute('select * from users where id = :1', [1])`, here
 * `runSql(em, 'select * from users where id = ?', [1])`.
 *
 * Each `?` takes the next value of `params`; values never become part of the SQL text given
 * here, MikroORM's connection escapes them for the driver (the same path its own queries take),
 * so the function works on SQLite and PostgreSQL alike. The statement joins the transaction
 * `em` is in, if any, and is logged like every ORM statement (DB_DEBUG, the specs' counters).
 * Rows come back as plain objects; nothing is hydrated or put in the identity map.
 *
 * Write `?` only as a placeholder (not inside a string literal); a count that does not match
 * `params` is refused rather than guessed at.
 */
export async function runSql<Row extends SqlRow = SqlRow>(
  em: EntityManager,
  sql: string,
  params: readonly SqlValue[] = [],
): Promise<Row[]> {
  const placeholders = sql.split('?').length - 1;
  if (placeholders !== params.length) {
    throw new Error(`runSql: ${placeholders} placeholder(s) but ${params.length} parameter(s)`);
  }
  return em.getConnection().execute<Row[]>(sql, params, 'all', em.getTransactionContext());
}
