import type {
  EntityDictionary,
  EntityMetadata,
  EntityName,
  EntityProperty,
  FilterQuery,
  FindOptions,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { pageOf, type Page, type PageRequest } from '../../common/pagination.js';
import { columnList, directReadConnection, plainColumns, quote } from './direct-read.js';

/**
 * One page of `entity` and the total count, as `em.findAndCount` gives them, but with the two
 * statements run one after the other instead of in parallel. On PostgreSQL the parallel form
 * holds two pooled connections per request, and when one of its queries fails the other one's
 * connection was seen to stay checked out for good (an app closed right after such a 500 never
 * finished closing its pool). Sequential costs one round trip more and half the connections.
 *
 * A page of a plain entity filtered by equality on its columns (`GET /users?name=…`) is read
 * directly (`findPageDirectly`); anything else goes through `count` and `find`.
 */
export async function findPage<T extends object, P extends string = never>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<NoInfer<T>>,
  request: PageRequest,
  options: Omit<FindOptions<T, P>, 'limit' | 'offset'> = {},
): Promise<Page<T>> {
  const direct = await findPageDirectly(em, entity, where, request, options);
  if (direct) return direct;
  const total = await em.count(entity, where);
  // The cast only bridges MikroORM's index-hint typing of find(); `where` is the same filter count() took.
  const items = await em.find(
    entity,
    where as never,
    {
      ...options,
      limit: request.perPage,
      offset: (request.page - 1) * request.perPage,
    } as FindOptions<T, P>,
  );
  return pageOf(items as T[], total, request);
}

/**
 * The same page without the query pipeline, or undefined when this cannot give what `count` and
 * `find` would (the caller then runs them).
 *
 * Instruction counts showed `GET /users?name=…` at 8× the baseline's, three times a
 * `GET /users/:id`: most of it MikroORM building, compiling and hydrating two queries whose
 * shape never changes. Here the two statements are made once per shape (the filter's columns and
 * the order), run with every value bound through the connection's own `execute` (the bound,
 * cached statements of sqlite-statement-cache.ts and bound-postgresql-driver.ts, logged as the
 * ORM logs), and each row becomes an entity exactly as `find` makes it: the entity factory with
 * `merge`, so a row already in the fork's identity map is that same instance (its unflushed
 * changes kept), and the load events dispatched. Taken only for a plain entity
 * (direct-read.ts), outside a transaction, with no pending auto-flush, a filter of `column: value`
 * pairs (strings and finite numbers; no operators, no null) and no option but an `orderBy` of
 * plain columns; a replica that fails sends the read back through `find`.
 */
async function findPageDirectly<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: unknown,
  request: PageRequest,
  options: object,
): Promise<Page<T> | undefined> {
  const fork = em.getContext();
  const meta = fork.getMetadata().get(entity);
  const connection = directReadConnection(fork, meta);
  const shape = connection && pageShape(meta, where, options);
  if (!connection || !shape) return undefined;
  const values = shape.filter.map((name) => (where as Record<string, string | number>)[name]);
  const offset = (request.page - 1) * request.perPage;
  let countRows: { count: number | string }[];
  let rows: Record<string, unknown>[];
  try {
    countRows = await connection.execute(shape.countSql, values, 'all');
    rows = await connection.execute(shape.pageSql, [...values, request.perPage, offset], 'all');
  } catch (error) {
    // A replica that failed: count and find go through its connection's fallback to the primary.
    if (connection !== fork.getConnection('write')) return undefined;
    throw fork.getDriver().convertException(error as Error);
  }
  const factory = fork.getEntityFactory();
  const items = rows.map((row) =>
    factory.create<T>(entity, fork.getDriver().mapResult(row as EntityDictionary<T>, meta as EntityMetadata<T>)!, {
      merge: true,
      convertCustomTypes: true,
    }),
  );
  await fork.getUnitOfWork().dispatchOnLoadEvent();
  return pageOf(items, Number(countRows[0].count), request);
}

interface PageShape {
  /** The filter's property names, in the order their values are bound. */
  filter: string[];
  countSql: string;
  /** Ends in `limit ? offset ?`. */
  pageSql: string;
}

const shapes = new WeakMap<EntityMetadata, Map<string, PageShape | undefined>>();

/** The statements of one filter-and-order shape, made once; undefined when the shape is not direct. */
function pageShape(meta: EntityMetadata, where: unknown, options: object): PageShape | undefined {
  // An entity's own default order is merged into find's; not reproduced here.
  if (meta.orderBy && Object.keys(meta.orderBy).length > 0) return undefined;
  const filter = equalityFilter(where);
  const order = orderOf(options);
  if (!filter || !order) return undefined;
  const key = `${filter.join(',')}|${order.map(([name, dir]) => `${name} ${dir}`).join(',')}`;
  let byKey = shapes.get(meta);
  if (!byKey) shapes.set(meta, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, buildShape(meta, filter, order));
  return byKey.get(key);
}

function buildShape(meta: EntityMetadata, filter: string[], order: [string, string][]): PageShape | undefined {
  const columns = plainColumns(meta);
  if (!columns) return undefined;
  const byName = new Map(columns.map((prop) => [prop.name, prop] as const));
  const orderColumns = order.map(([name, dir]) => byName.get(name) && `${column(byName.get(name)!)} ${dir}`);
  if (!filter.every((name) => byName.has(name)) || orderColumns.some((sql) => !sql)) return undefined;
  const table = quote(meta.tableName);
  const conditions = filter.map((name) => `${column(byName.get(name)!)} = ?`).join(' and ');
  const whereSql = conditions ? ` where ${conditions}` : '';
  const orderSql = orderColumns.length > 0 ? ` order by ${orderColumns.join(', ')}` : '';
  return {
    filter,
    countSql: `select count(*) as "count" from ${table}${whereSql}`,
    pageSql: `select ${columnList(columns)} from ${table}${whereSql}${orderSql} limit ? offset ?`,
  };
}

const column = (prop: EntityProperty) => quote(prop.fieldNames[0]);

/**
 * The property names of a `{ name: value, … }` filter of strings and finite numbers, else undefined
 * (buildShape checks that each name is a plain column).
 */
function equalityFilter(where: unknown): string[] | undefined {
  if (typeof where !== 'object' || where === null || Object.getPrototypeOf(where) !== Object.prototype)
    return undefined;
  const names = Object.keys(where);
  if (Object.getOwnPropertySymbols(where).length > 0) return undefined;
  const simple = names.every((name) => {
    const value = (where as Record<string, unknown>)[name];
    return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
  });
  return simple ? names : undefined;
}

/** `orderBy: { id: 'asc' }` as `[['id', 'asc']]` when it is the only option, else undefined. */
function orderOf(options: object): [string, string][] | undefined {
  const { orderBy, ...rest } = options as { orderBy?: unknown };
  if (Object.keys(rest).length > 0) return undefined;
  if (orderBy === undefined) return [];
  if (typeof orderBy !== 'object' || orderBy === null || Array.isArray(orderBy)) return undefined;
  const pairs = Object.entries(orderBy);
  const plainOrder = pairs.every(([, dir]) => typeof dir === 'string' && /^(asc|desc)$/i.test(dir));
  return plainOrder ? pairs.map(([name, dir]) => [name, (dir as string).toLowerCase()]) : undefined;
}
