import { type EntityMetadata, type EntityProperty, FlushMode, ReferenceKind } from '@mikro-orm/core';
import { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/sql';
import { SqliteConnection } from '@mikro-orm/sqlite';

/**
 * What the direct reads (primary-key-lookup.ts, find-page.ts) share: when a read may skip
 * MikroORM's query pipeline and still give what `findOne`/`find` would, and the SQL names.
 */

/** A connection the direct reads know how to run a statement on. */
export type DirectConnection = SqliteConnection | PostgreSqlConnection;

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The fork's read connection when a read of `meta` may bypass the query pipeline, else undefined:
 * only SQLite and PostgreSQL, never inside a transaction (its reads go through the transaction's
 * connection), nor with flush mode ALWAYS or changes of this entity waiting for an auto-flush.
 * A read: with DATABASE_READ_URLS the replica router decides where it goes.
 */
export function directReadConnection(fork: EntityManager, meta: EntityMetadata): DirectConnection | undefined {
  const connection = fork.getConnection('read');
  if (!(connection instanceof SqliteConnection) && !(connection instanceof PostgreSqlConnection)) return undefined;
  if (fork.isInTransaction()) return undefined;
  if (fork.config.get('flushMode') === FlushMode.ALWAYS) return undefined;
  if (fork.getUnitOfWork().shouldAutoFlush(meta)) return undefined;
  return connection;
}

const plain = new WeakMap<EntityMetadata, EntityProperty[] | undefined>();

/**
 * The persisted properties of an entity made only of plain columns, each one column (no
 * relations, embeddables, formulas, lazy or custom-typed properties, filters, inheritance, and
 * one primary key), or undefined: a direct read of anything else would not load what the ORM does.
 */
export function plainColumns(meta: EntityMetadata): EntityProperty[] | undefined {
  if (plain.has(meta)) return plain.get(meta);
  const props = meta.props.filter((prop) => prop.persist !== false);
  const isPlain =
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
  const columns = isPlain ? props : undefined;
  plain.set(meta, columns);
  return columns;
}

/** `"id", "name", …`: every column of a plain entity, in property order. */
export function columnList(props: EntityProperty[]): string {
  return props.map((prop) => quote(prop.fieldNames[0])).join(', ');
}
