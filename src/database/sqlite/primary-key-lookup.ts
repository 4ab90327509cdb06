import {
  type EntityDictionary,
  type EntityMetadata,
  type EntityName,
  FlushMode,
  ReferenceKind,
  wrap,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { SqliteConnection } from '@mikro-orm/sqlite';
import type Database from 'better-sqlite3';

/**
 * `findOne({ id })` for entities made of plain columns, without the query pipeline on SQLite.
 *
 * Profiling `GET /users/:id` showed about two-thirds of a request in `findOne`'s query building,
 * SQL formatting and Kysely, and another tenth in better-sqlite3 `prepare`, because MikroORM
 * inlines parameter values into the SQL text and so prepares every query afresh. This path keeps
 * the unit of work intact through public API only:
 * 1. an initialized entity already in the fork's identity map is returned as is (same instance);
 * 2. otherwise one prepared statement, cached per table on the native better-sqlite3 handle, reads
 *    the row by its bound key, and `em.map` turns it into an entity managed by the fork (the
 *    identity map holds it and the flush computes its changes, as after `findOne`);
 * 3. anything this path cannot honour goes to `findOne`: another driver, an open transaction (its
 *    reads go through the transaction's connection), a pending auto-flush, flush mode ALWAYS, an
 *    unloaded reference in the identity map, filters, or an entity with relations, embeddables,
 *    formulas, lazy or custom-typed properties.
 * The statement is logged like the ORM's own queries, so DB_DEBUG still shows every query.
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
  const connection = fork.getConnection();
  if (
    !(connection instanceof SqliteConnection) ||
    fork.isInTransaction() ||
    fork.config.get('flushMode') === FlushMode.ALWAYS ||
    fork.getUnitOfWork().shouldAutoFlush(meta)
  ) {
    return fallback();
  }
  const sql = selectByIdSql(meta);
  if (!sql) return fallback();
  const statement = cachedStatement(await connection.getNativeClient(), sql);
  const started = performance.now();
  const row = statement.get(id) as Record<string, unknown> | undefined;
  // Like Connection.executeQuery: always handed to the logger, which decides (DB_DEBUG).
  fork.config.getLogger().logQuery({
    query: sql,
    params: [id],
    took: Math.round(performance.now() - started),
    results: row ? 1 : 0,
    level: 'info',
  });
  return row ? fork.map(entity, row as EntityDictionary<T>) : null;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

const selects = new WeakMap<EntityMetadata, string | undefined>();

/** `select <every column> from <table> where <pk> = ?`, or undefined when the entity is not plain columns. */
function selectByIdSql(meta: EntityMetadata): string | undefined {
  if (selects.has(meta)) return selects.get(meta);
  const props = meta.props.filter((prop) => prop.persist !== false);
  const plain =
    meta.primaryKeys.length === 1 &&
    !meta.filters?.length &&
    !meta.discriminatorColumn &&
    props.every(
      (prop) =>
        prop.kind === ReferenceKind.SCALAR &&
        !prop.lazy &&
        !prop.formula &&
        !prop.customType &&
        prop.fieldNames?.length === 1,
    );
  const pk = meta.props.find((prop) => prop.name === meta.primaryKeys[0])!;
  const sql = plain
    ? `select ${props.map((prop) => quote(prop.fieldNames[0])).join(', ')} from ${quote(meta.tableName)} where ${quote(pk.fieldNames[0])} = ?`
    : undefined;
  selects.set(meta, sql);
  return sql;
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** One prepared statement per SQL text and database handle, prepared on first use. */
function cachedStatement(db: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}
