import type { AnyEntity, Configuration, Dictionary, EntityData, LoggingOptions, Transaction } from '@mikro-orm/core';
import type { NativeQueryBuilder, QueryResult, RawQueryFragment } from '@mikro-orm/sql';
import { SqliteConnection, SqliteDriver } from '@mikro-orm/sqlite';
import type Database from 'better-sqlite3';
import { CompiledQuery, type Dialect } from 'kysely';
import { splitAbortOptions } from '../query/abort-options.js';
import { bindPlaceholders, platformBinding, type BindDialect } from '../query/placeholders.js';
import { guardRollback } from '../query/rollback-guard.js';

/** Distinct SQL texts kept prepared per database handle; beyond that the oldest is dropped. */
export const STATEMENT_CACHE_SIZE = 500;

type Query = string | NativeQueryBuilder | RawQueryFragment;
type Method = 'all' | 'get' | 'run';
type Result = QueryResult | EntityData<AnyEntity> | EntityData<AnyEntity>[];

/**
 * MikroORM's SQLite connection with bound parameters and a statement cache.
 *
 * MikroORM 7 writes every parameter value into the SQL text it sends to SQLite, so each query is
 * a new text that better-sqlite3 must `prepare` again (a tenth of a request in the profile). Here
 * a query whose parameters SQLite can bind (numbers, strings, bigints, null, bytes, and dates and
 * booleans as MikroORM writes them: milliseconds, 1/0) goes to SQLite as `?` placeholders with
 * the values bound (query/placeholders.ts; `??` identifiers and raw fragments such as the
 * version's `version + 1` are written into the text, as MikroORM does), and `prepare` keeps the
 * statement of each SQL text for the next request. A request's abort signal travels with the
 * statement to Kysely, as on MikroORM's own path: every statement of a request carries one, and
 * sending those down MikroORM's path made every write a new SQL text to prepare. Anything else
 * takes MikroORM's own path, which still benefits from the cache.
 * Logging is unchanged: DB_DEBUG shows the same lines. Its rollback cannot wedge the single
 * connection after SQLite rolled a transaction back itself (query/rollback-guard.ts).
 */
export class CachedSqliteConnection extends SqliteConnection {
  private binding?: BindDialect;

  override createKyselyDialect(options: Dictionary): Dialect {
    const dialect = super.createKyselyDialect(options);
    // The handle the parent just opened (a plain field in JS, private only in its typings).
    const database = (this as unknown as { database: Database.Database }).database;
    cachePreparedStatements(database);
    // SQLite may have rolled the transaction back itself (query/rollback-guard.ts).
    return guardRollback(dialect, { alreadyRolledBack: () => !database.inTransaction });
  }

  override async execute<T extends Result = EntityData<AnyEntity>[]>(
    query: Query,
    params: readonly unknown[] | Dictionary<unknown> = [],
    method: Method = 'all',
    ctx?: Transaction,
    loggerContext?: LoggingOptions,
  ): Promise<T> {
    if (typeof query !== 'string' || !Array.isArray(params) || params.length === 0) {
      return super.execute<T>(query, params, method, ctx, loggerContext);
    }
    const sql = this.config.get('onQuery')(query, params);
    this.binding ??= sqliteBinding(this.platform);
    const bound = bindPlaceholders(this.binding, sql, params);
    if (!bound) return super.execute<T>(query, params, method, ctx, loggerContext);
    await this.ensureConnection();
    const { abort, logContext } = splitAbortOptions(loggerContext);
    const logger = this.config.getLogger();
    // The text the logger shows is built only when query logging is on, as MikroORM does.
    const shown =
      logger.isEnabled('query', logContext) && logger.isEnabled('query-params', logContext)
        ? this.platform.formatQuery(sql, params)
        : sql;
    return this.executeQuery(
      shown,
      async () => {
        const executor = (ctx as ReturnType<SqliteConnection['getClient']> | undefined) ?? this.getClient();
        const res = await executor.executeQuery(CompiledQuery.raw(bound.sql, bound.values), abort);
        return this.transformRawResult<T>(res, method);
      },
      { query: sql, params, ...logContext },
    );
  }
}

/** MikroORM's SQLite driver on `CachedSqliteConnection`; everything else is SqliteDriver's. */
export class CachedSqliteDriver extends SqliteDriver {
  constructor(config: Configuration) {
    super(config);
    // The parent built a SqliteConnection that was never opened (connections open lazily).
    (this as unknown as { connection: SqliteConnection }).connection = new CachedSqliteConnection(this.config);
  }
}

/** How MikroORM's statements bind on SQLite: `?` placeholders, values as sqliteValue gives them. */
export function sqliteBinding(platform: SqliteConnection['platform']): BindDialect {
  return platformBinding(platform, { placeholder: () => '?', value: sqliteValue });
}

/**
 * A value as better-sqlite3 binds it, meaning what MikroORM's SQLite literal says: a Date is its
 * milliseconds (how MikroORM stores dates there), a boolean 1 or 0 (SQLite's `true`/`false`);
 * undefined for a kind it does not bind (a JSON object: MikroORM's own path inlines it).
 */
export function sqliteValue(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return +value;
  if (value instanceof Uint8Array) return value;
  return undefined;
}

/**
 * Makes `db.prepare` return the statement it prepared before for the same text. A statement
 * still iterating (a streamed query) is busy and cannot run twice: it gets a fresh one.
 */
function cachePreparedStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const cached = cache.get(sql);
    if (cached && !cached.busy) return cached;
    const statement = prepare(sql);
    if (!cached && cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(sql, statement);
    return statement;
  }) as typeof db.prepare;
}
