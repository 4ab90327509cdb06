import { type EntityDictionary, type EntityMetadata, type EntityName, wrap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { SqliteConnection } from '@mikro-orm/sqlite';
import { readPostgreSqlRow } from '../postgresql/postgresql-row-by-id.js';
import { readSqliteRow } from '../sqlite/sqlite-row-by-id.js';
import { columnList, directReadConnection, plainColumns, quote } from './direct-read.js';

/**
 * `findOne({ id })` for entities made of plain columns, without the query pipeline.
 *
 * Profiling `GET /users/:id` showed about two-thirds of a request in `findOne`'s query building,
 * SQL formatting and Kysely, and on SQLite another tenth in better-sqlite3 `prepare` (on
 * PostgreSQL, the server parsing and planning each inlined text afresh). This path keeps the
 * unit of work intact through public API only:
 * 1. an initialized entity already in the fork's identity map is returned as is (same instance);
 * 2. otherwise one statement with the key bound reads the row (SQLite: a prepared statement cached
 *    on the native handle, sqlite/sqlite-row-by-id.ts; PostgreSQL: `$1` through the pool, a named
 *    prepared statement unless DB_PREPARED_STATEMENTS=0, postgresql/postgresql-row-by-id.ts), and
 *    `em.map` turns it into an entity managed by the fork (the identity map holds it and the
 *    flush computes its changes, as after `findOne`);
 * 3. anything this path cannot honour goes to `findOne`: another driver, an open transaction (its
 *    reads go through the transaction's connection), a pending auto-flush, flush mode ALWAYS, an
 *    unloaded reference in the identity map, filters, or an entity with relations, embeddables,
 *    formulas, lazy or custom-typed properties.
 * The statement is logged like the ORM's own queries, so DB_DEBUG still shows every query, and a
 * driver error is converted as the ORM converts it (a lost database is still a 503).
 */
export async function findByPrimaryKey<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  id: number,
): Promise<T | null> {
  const fork = em.getContext();
  const fallback = () => fork.findOne(entity, { id } as never) as Promise<T | null>;
  const known = fork.getUnitOfWork().getById<T>(entity, id as never);
  if (known) return wrap(known, true).isInitialized() ? known : fallback();
  const meta = fork.getMetadata().get(entity);
  const connection = directReadConnection(fork, meta);
  if (!connection) return fallback();
  const isSqlite = connection instanceof SqliteConnection;
  const sql = selectByIdSql(meta);
  if (!sql) return fallback();
  const started = performance.now();
  const log = (context: { results?: number; level: 'info' | 'error' }) =>
    // Like Connection.executeQuery: always handed to the logger, which decides (DB_DEBUG).
    fork.config
      .getLogger()
      .logQuery({ query: sql, params: [id], took: Math.round(performance.now() - started), ...context });
  let row: Record<string, unknown> | undefined;
  try {
    row = isSqlite ? await readSqliteRow(connection, sql, id) : await readPostgreSqlRow(connection, sql, id);
  } catch (error) {
    log({ level: 'error' });
    // A replica that failed: findOne goes through the replica connection's own fallback to the primary.
    if (connection !== fork.getConnection('write')) return fallback();
    throw fork.getDriver().convertException(error as Error);
  }
  log({ results: row ? 1 : 0, level: 'info' });
  return row ? fork.map(entity, row as EntityDictionary<T>) : null;
}

const selects = new WeakMap<EntityMetadata, string | undefined>();

/** `select <every column> from <table> where <pk> = ?`, or undefined when the entity is not plain columns. */
function selectByIdSql(meta: EntityMetadata): string | undefined {
  if (selects.has(meta)) return selects.get(meta);
  const props = plainColumns(meta);
  const pk = meta.props.find((prop) => prop.name === meta.primaryKeys[0])!;
  const sql = props
    ? `select ${columnList(props)} from ${quote(meta.tableName)} where ${quote(pk.fieldNames[0])} = ?`
    : undefined;
  selects.set(meta, sql);
  return sql;
}
