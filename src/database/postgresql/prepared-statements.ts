import { Logger } from '@nestjs/common';
import type { Pool, PoolClient, QueryConfig } from 'pg';

/** Distinct SQL texts given a statement name in this process; past that, texts run unnamed. */
export const PREPARED_STATEMENT_LIMIT = 500;

/** Texts longer than this (a bulk insert of many rows) run unnamed: worth a parse, not a server-side cache. */
const LONGEST_PREPARED_TEXT = 8_000;

/** Name prefix of the statements this process prepares (seen in pg_prepared_statements). */
const PREFIX = 'users_service_';

const names = new Map<string, string>();

/**
 * Makes every connection of `pool` run a statement with parameters as a named prepared statement.
 *
 * `pg` then parses and plans each SQL text once per connection and later sends only the name
 * and the values (PostgreSQL's extended protocol: Bind/Execute, no Parse), which is what a
 * direct connection to PostgreSQL is for. The name is fixed per text for the whole process (so
 * `pg`'s rule "one text per name" always holds) and the number of names is bounded, so a
 * connection never holds more than PREPARED_STATEMENT_LIMIT statements.
 *
 * Through PgBouncer in transaction mode (1.18, as Debian ships it) a named statement is prepared
 * on whichever server connection served that transaction, and a later Bind of the name can land
 * on another one ("prepared statement … does not exist"): DB_PREPARED_STATEMENTS=0 turns this off.
 * Left on there by mistake, the first such error turns naming off for this pool (with one warning
 * line): that statement's request fails as unavailable (503, retry), and the pool carries on with
 * unnamed statements instead of failing writes at random for as long as the process lives.
 */
export function prepareNamedStatements(pool: Pool): void {
  const naming: Naming = { on: true };
  pool.on('connect', (client) => nameStatementsOf(client, naming));
}

/** Whether a pool's connections still name their statements; shared by all of them. */
interface Naming {
  on: boolean;
}

function nameStatementsOf(client: PoolClient, naming: Naming): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Kysely's connection calls `client.query(sql, parameters)`; every other form passes through.
  client.query = ((...args: unknown[]) => {
    const [config, values] = args;
    if (naming.on && args.length === 2 && typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) {
        const named = query({ name, text: config, values } satisfies QueryConfig) as Promise<unknown>;
        return named.catch((error: unknown) => explain(error, naming));
      }
    }
    return query(...args);
  }) as PoolClient['query'];
}

/**
 * PostgreSQL's answer when a named statement went to a server connection that does not have it
 * (26000 invalid_sql_statement_name) or already has it (42P05 duplicate_prepared_statement):
 * only a pooler that hands one client's statements to several server connections does that.
 * The error keeps its code (database/errors.ts answers it 503: a retry runs unnamed) and gains
 * the fix; naming stops for the pool.
 */
export const POOLER_CODES = new Set(['26000', '42P05']);

const logger = new Logger('Database');

function explain(error: unknown, naming: Naming): never {
  if (error instanceof Error && POOLER_CODES.has((error as Error & { code?: string }).code ?? '')) {
    if (naming.on) {
      naming.on = false;
      logger.warn(
        `named prepared statements failed (${error.message}): a pooler in transaction mode, e.g. PgBouncer, is in front of PostgreSQL; ` +
          'this pool now runs its statements unnamed. Set DB_PREPARED_STATEMENTS=0 for it.',
      );
    }
    error.message +=
      ' (named prepared statements through a pooler in transaction mode, e.g. PgBouncer: set DB_PREPARED_STATEMENTS=0)';
  }
  throw error;
}

function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < PREPARED_STATEMENT_LIMIT && text.length <= LONGEST_PREPARED_TEXT) {
    names.set(text, (name = `${PREFIX}${names.size + 1}`));
  }
  return name;
}
