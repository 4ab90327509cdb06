import type { AnyEntity, Configuration, Dictionary, EntityData, LoggingOptions, Transaction } from '@mikro-orm/core';
import { type PostgreSqlConnection, PostgreSqlDriver, type PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { NativeQueryBuilder, QueryResult, RawQueryFragment } from '@mikro-orm/sql';
import { CompiledQuery, type PostgresDialect } from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { splitAbortOptions } from '../query/abort-options.js';
import { bindPlaceholders, type BindDialect } from '../query/placeholders.js';
import { postgresBinding } from './bound-parameters.js';
import { GuardedPostgreSqlConnection } from './guarded-postgresql-connection.js';
import { prepareNamedStatements } from './prepared-statements.js';

type Query = string | NativeQueryBuilder | RawQueryFragment;
type Method = 'all' | 'get' | 'run';
type Result = QueryResult | EntityData<AnyEntity> | EntityData<AnyEntity>[];
type Executor = ReturnType<PostgreSqlConnection['getClient']>;

export interface PostgreSqlBindingOptions {
  /**
   * Run each statement with parameters as a named prepared statement on its connection
   * (DB_PREPARED_STATEMENTS, on by default). Off through PgBouncer in transaction mode.
   */
  preparedStatements: boolean;
}

/**
 * MikroORM's PostgreSQL connection with bound parameters.
 *
 * MikroORM 7's `execute` writes every value into the SQL text (`platform.formatQuery`) and sends
 * the result as a simple query, so PostgreSQL parses and plans each statement afresh and the
 * server sees the values in the text. Here the same statement goes as `$n` placeholders with
 * the values beside it (query/placeholders.ts, bound-parameters.ts), optionally as a named prepared statement
 * (prepared-statements.ts). Everything else is MikroORM's: the transaction the statement joins,
 * the log line (DB_DEBUG shows the same text as before), result shapes, and error translation
 * (the driver converts the same `pg` errors, so a unique violation is still a 409 naming the
 * field), and the abort signal a request's statements carry goes to Kysely with the statement, as
 * on MikroORM's path. A statement this cannot bind as MikroORM would have inlined it takes
 * MikroORM's own path unchanged. Its rollbacks are guarded
 * (guarded-postgresql-connection.ts): a connection the server dropped cannot leak a pool slot.
 */
export class BoundPostgreSqlConnection extends GuardedPostgreSqlConnection {
  /** Set by the driver right after construction (connections open lazily, so before any use). */
  binding: PostgreSqlBindingOptions = { preparedStatements: true };
  private dialect?: BindDialect;

  override createKyselyDialect(overrides: PoolConfig): PostgresDialect {
    const { onPoolCreated } = overrides as { onPoolCreated?: (pool: Pool) => unknown };
    return super.createKyselyDialect({
      ...overrides,
      onPoolCreated: (pool: Pool) => {
        if (this.binding.preparedStatements) prepareNamedStatements(pool);
        return onPoolCreated?.(pool);
      },
    } as PoolConfig);
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
    this.dialect ??= postgresBinding(this.platform as PostgreSqlPlatform);
    const bound = bindPlaceholders(this.dialect, sql, params);
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
        const executor = (ctx as Executor | undefined) ?? this.getClient();
        const res = await executor.executeQuery(CompiledQuery.raw(bound.sql, bound.values), abort);
        return this.transformRawResult<T>(res, method);
      },
      { query: sql, params, ...logContext },
    );
  }
}

/** A PostgreSqlDriver class on `BoundPostgreSqlConnection` with these options. */
export function boundPostgreSqlDriver(binding: PostgreSqlBindingOptions): typeof PostgreSqlDriver {
  return class BoundPostgreSqlDriver extends PostgreSqlDriver {
    constructor(config: Configuration) {
      super(config);
      // The parent built a PostgreSqlConnection that was never opened (connections open lazily).
      const connection = new BoundPostgreSqlConnection(this.config);
      connection.binding = binding;
      (this as unknown as { connection: PostgreSqlConnection }).connection = connection;
    }
  };
}
