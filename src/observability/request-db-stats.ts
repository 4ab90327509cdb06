import { type EntityManager, RequestContext } from '@mikro-orm/core';

/** How many statements of a request are kept, for the budget warning. */
export const STATEMENTS_KEPT = 5;

/**
 * The database figures of one request context (an HTTP request, a CLI command, a REPL line):
 * how many SQL statements ran in it and, through its fork, what its identity map holds.
 */
export class RequestDbStats {
  statements = 0;
  /** The first statements as the ORM logged them; on SQLite they hold inlined values (see redactSql). */
  readonly first: string[] = [];
  /** `em` is the context's fork (undefined only for a context without a default EntityManager). */
  constructor(readonly em: EntityManager | undefined) {}

  /** Entities in the fork's identity map now (each counted once, however many keys it is stored under). */
  entities(): number {
    if (this.em === undefined) return 0;
    // An array, not the map's generator, and no Set for the usual 0 or 1 entity: this runs for
    // every request's log line (0.6% of a get-user profile with the generator and a Set).
    const all = this.em.getUnitOfWork(false).getIdentityMap().values();
    return all.length < 2 ? all.length : new Set(all).size;
  }

  /** @internal Called by recordStatement. */
  add(sql: string): void {
    this.statements++;
    if (this.first.length < STATEMENTS_KEPT) this.first.push(sql);
  }
}

/**
 * The figures live on the context object itself, so whoever opened it (MikroORM's Nest
 * middleware, a plain Express middleware, RequestContext.create in a CLI command) they are found
 * the same way, and they die with it. Not in a module-level WeakMap: with one entry per request,
 * each request's figures and fork survived V8's young-generation collections and were freed only
 * by full ones (5.4 kB per request promoted to the old generation, 1.0 kB without the WeakMaps;
 * `node --trace-gc-nvp`, README "Medium-lived garbage").
 */
const STATS = Symbol('requestDbStats');
type WithStats = RequestContext & { [STATS]?: RequestDbStats };

type StatementTap = (sql: string) => void;
const taps = new Set<StatementTap>();

/**
 * Counts one SQL statement against the current request context. The ORM's logger calls it for
 * every statement MikroORM runs (statement-counting.logger.ts); code that runs SQL past MikroORM's
 * connection (a native driver handle) must call it too, or its statements go uncounted.
 * Costs one AsyncLocalStorage lookup and one property read.
 */
export function recordStatement(sql: string): void {
  if (taps.size > 0) for (const tap of taps) tap(sql);
  const context = RequestContext.currentRequestContext();
  if (context !== undefined) statsOf(context).add(sql);
}

/** The figures of the current request context (created empty if it ran nothing yet); undefined outside one. */
export function currentDbStats(): RequestDbStats | undefined {
  const context = RequestContext.currentRequestContext();
  return context === undefined ? undefined : statsOf(context);
}

function statsOf(context: WithStats): RequestDbStats {
  return (context[STATS] ??= new RequestDbStats(context.em));
}

/**
 * Calls `tap` with every statement counted anywhere in the process until the returned function is
 * called; the specs' statement counter (test/helpers/statements.ts) is built on it.
 */
export function tapStatements(tap: StatementTap): () => void {
  taps.add(tap);
  return () => void taps.delete(tap);
}
