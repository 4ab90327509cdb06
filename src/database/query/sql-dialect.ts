/**
 * Owns (query/): query helpers shared by the features and the raw-SQL door: page queries and the
 * few SQL spellings that differ by database. Must not import: features, observability, http.
 */
import type { EntityManager } from '@mikro-orm/sql';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { SqlitePlatform } from '@mikro-orm/sqlite';

/**
 * The few SQL spellings that differ between the databases the service runs on, for the raw SQL
 * in src/sql/. Everything else there is plain SQL both SQLite and PostgreSQL accept.
 */
export interface SqlDialect {
  /** 1-based position of `needle` (a SQL expression) in `haystack`, 0 when absent. */
  position(haystack: string, needle: string): string;
  /** Makes `expr` compare byte by byte, so an ORDER BY gives the same order on every database. */
  binary(expr: string): string;
}

const SQLITE: SqlDialect = {
  position: (haystack, needle) => `instr(${haystack}, ${needle})`,
  // SQLite's default collation is already BINARY.
  binary: (expr) => expr,
};

const POSTGRESQL: SqlDialect = {
  position: (haystack, needle) => `strpos(${haystack}, ${needle})`,
  // The database's locale collation would sort 'a-b.com' after 'ab.com'; "C" is byte order.
  binary: (expr) => `${expr} collate "C"`,
};

export function sqlDialect(em: EntityManager): SqlDialect {
  const platform = em.getPlatform();
  if (platform instanceof PostgreSqlPlatform) return POSTGRESQL;
  if (platform instanceof SqlitePlatform) return SQLITE;
  throw new Error(`no SQL dialect for ${platform.constructor.name}`);
}
