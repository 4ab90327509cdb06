/**
 * Owns (postgresql/): what only PostgreSQL has: the connection pool's figures. Must not import:
 * features, observability (it reads the pool; the metrics read it), http.
 */
import type { MikroORM } from '@mikro-orm/core';
import { PostgreSqlConnection } from '@mikro-orm/postgresql';

/** What a connection pool can tell about itself right now. */
export interface PoolStats {
  /** Connections open (idle or lent out). */
  total: number;
  idle: number;
  /** Callers queued for a connection. */
  waiting: number;
  max: number;
}

/** The fields of `pg.Pool` read here (pg ships no types of its own). */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

/** Whether the ORM's connection is a pool (PostgreSQL); SQLite works on a single connection. */
export function hasConnectionPool(orm: MikroORM): boolean {
  return orm.driver.getConnection() instanceof PostgreSqlConnection;
}

/**
 * The PostgreSQL pool's figures, read from the `pg.Pool` under MikroORM's connection; undefined
 * on SQLite, which works on a single connection and has no pool to describe.
 */
export async function readPoolStats(orm: MikroORM): Promise<PoolStats | undefined> {
  const connection = orm.driver.getConnection();
  if (!(connection instanceof PostgreSqlConnection)) return undefined;
  // No query: the pool's own counters (isConnected() would run `select 1` on every scrape).
  const pool = (await connection.getNativeClient()) as PgPool;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 };
}
