import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/sql';
import { CompiledQuery, type Kysely } from 'kysely';
import { postgresValue } from '../postgresql/bound-parameters.js';
import { sqliteValue } from '../sqlite/sqlite-statement-cache.js';

/** A value that may be bound to a `?` placeholder of `queryBound`. */
export type BindValue = string | number | bigint | boolean | Date | null;

/**
 * Runs `sql` with every `?` bound to the next value of `params`, on whichever driver `em` has,
 * always as a parameter and never in the SQL text: PostgreSQL gets `$1`, `$2` … (its placeholder
 * form) and SQLite `?`, through the connection's own Kysely instance, or the transaction `em` is
 * in. Values are converted as MikroORM stores them: on SQLite a Date is its milliseconds and a
 * boolean 1/0 (better-sqlite3 binds neither as it is); on PostgreSQL a Date is the platform's
 * timestamp text, a bigint its digits. The statement is logged like MikroORM's own (DB_DEBUG and
 * the statement counter see it). The caller has checked that the counts match.
 */
export async function queryBound<Row>(em: EntityManager, sql: string, params: readonly BindValue[]): Promise<Row[]> {
  const connection = em.getConnection();
  await connection.ensureConnection();
  const platform = em.getPlatform();
  let text = sql;
  let values: unknown[];
  if (platform instanceof PostgreSqlPlatform) {
    let n = 0;
    text = sql.replaceAll('?', () => `$${++n}`);
    values = params.map((value) => postgresValue(platform, value));
  } else {
    values = params.map(sqliteValue);
  }
  const executor = em.getTransactionContext<Kysely<unknown>>() ?? connection.getClient<unknown>();
  const logger = em.config.getLogger();
  const shown = logger.isEnabled('query-params') ? platform.formatQuery(sql, [...params]) : sql;
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const { rows } = await executor.executeQuery<Row>(CompiledQuery.raw(text, values));
    logger.logQuery({ query: shown, params: [...params], took: took(), results: rows.length, level: 'info' });
    return rows;
  } catch (error) {
    logger.logQuery({ query: shown, params: [...params], took: took(), level: 'error' });
    throw error;
  }
}
