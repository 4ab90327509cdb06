import type { EntityManager } from '@mikro-orm/sql';
import { queryBound, type BindValue } from '../database/query/bound-sql.js';

/** A value that may be bound to a `?` placeholder. */
export type SqlValue = BindValue;

/** One result row, keyed by column name (or alias) exactly as the SELECT names it. */
export type SqlRow = Record<string, unknown>;

/**
 * The only door for raw SQL in the service: the Flask page's
 * `engine.execute('select * from users where id = :1', [1])`, here
 * `runSql(em, 'select * from users where id = ?', [1])`.
 *
 * Each `?` takes the next value of `params`, and the values never become part of the SQL text:
 * the database receives placeholders (`?` on SQLite, `$1`, `$2` … on PostgreSQL) and the values
 * bound beside them, dates and booleans included (database/query/bound-sql.ts). The statement
 * joins the transaction `em` is in, if any, and is logged like every ORM statement (DB_DEBUG,
 * the specs' counters). Rows come back as plain objects; nothing is hydrated or put in the
 * identity map.
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
  return queryBound<Row>(em, sql, params);
}
