import type { AnyEntity, Configuration, Dictionary, EntityData, LoggingOptions, Transaction } from '@mikro-orm/core';
import { type PostgreSqlConnection, PostgreSqlDriver, type PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { NativeQueryBuilder, QueryResult, RawQueryFragment } from '@mikro-orm/sql';
import { CompiledQuery, type PostgresDialect } from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { toPositional } from './bound-parameters.js';
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
 * the values beside it (bound-parameters.ts), optionally as a named prepared statement
 * (prepared-statements.ts). Everything else is MikroORM's: the transaction the statement joins,
 * the log line (DB_DEBUG shows the same text as before), result shapes, and error translation
 * (the driver converts the same `pg` errors, so a unique violation is still a 409 naming the
 * field). A statement this cannot bind as MikroORM would have inlined it, or one that carries an
 * abort signal, takes MikroORM's own path unchanged. Its rollbacks are guarded
 * (guarded-postgresql-connection.ts): a connection the server dropped cannot leak a pool slot.
 */
export class BoundPostgreSqlConnection extends GuardedPostgreSqlConnection {
  /** Set by the driver right after construction (connections open lazily, so before any use). */
  binding: PostgreSqlBindingOptions = { preparedStatements: true };

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
    const options = loggerContext as Dictionary | undefined;
    if (
      typeof query !== 'string' ||
      !Array.isArray(params) ||
      params.length === 0 ||
      options?.signal != null ||
      options?.inflightQueryAbortStrategy != null
    ) {
      return super.execute<T>(query, params, method, ctx, loggerContext);
    }
    const sql = this.config.get('onQuery')(query, params);
    const bound = toPositional(this.platform as PostgreSqlPlatform, sql, params);
    if (!bound) return super.execute<T>(query, params, method, ctx, loggerContext);
    await this.ensureConnection();
    const logger = this.config.getLogger();
    // The text the logger shows is built only when query logging is on, as MikroORM does.
    const shown =
      logger.isEnabled('query', loggerContext) && logger.isEnabled('query-params', loggerContext)
        ? this.platform.formatQuery(sql, params)
        : sql;
    return this.executeQuery(
      shown,
      async () => {
        const executor = (ctx as Executor | undefined) ?? this.getClient();
        const res = await executor.executeQuery(CompiledQuery.raw(bound.sql, bound.values));
        return this.transformRawResult<T>(res, method);
      },
      { query: sql, params, ...loggerContext },
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
