import type { Pool, PoolClient, QueryConfig } from 'pg';

/** Distinct SQL texts given a statement name in this process; past that, texts run unnamed. */
export const PREPARED_STATEMENT_LIMIT = 500;

/** Texts longer than this (a bulk insert of many rows) run unnamed: worth a parse, not a server-side cache. */
const LONGEST_PREPARED_TEXT = 8_000;

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
 */
export function prepareNamedStatements(pool: Pool): void {
  pool.on('connect', (client) => nameStatementsOf(client));
}

function nameStatementsOf(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Kysely's connection calls `client.query(sql, parameters)`; every other form passes through.
  client.query = ((...args: unknown[]) => {
    const [config, values] = args;
    if (args.length === 2 && typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) return query({ name, text: config, values } satisfies QueryConfig);
    }
    return query(...args);
  }) as PoolClient['query'];
}

function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < PREPARED_STATEMENT_LIMIT && text.length <= LONGEST_PREPARED_TEXT) {
    names.set(text, (name = `users_service_${names.size + 1}`));
  }
  return name;
}
