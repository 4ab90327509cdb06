import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How one HTTP request's reads are routed, held in AsyncLocalStorage for the request's duration
 * (beside MikroORM's own request context): the driver asks it each time MikroORM wants a read
 * connection.
 */
export interface ReadRouting {
  /**
   * Every statement on the primary: the request writes (POST/PUT/PATCH/DELETE; its reads decide
   * what it writes, so a stale replica would make it skip or undo changes), or it already used
   * the primary (a flush, a transaction): what follows must see that.
   */
  primaryOnly: boolean;
  /** `X-Read-After`: only a replica that has replayed this far may answer. */
  readAfter?: bigint;
  /** Set once the request used the primary (not from the start because it writes). */
  wroteAlready?: boolean;
}

const storage = new AsyncLocalStorage<ReadRouting>();

/** Runs `next` (the rest of the request) with its routing. */
export function withReadRouting<T>(routing: ReadRouting, next: () => T): T {
  return storage.run(routing, next);
}

/** The routing of the request in progress; undefined outside any request (start-up, CLI, timers). */
export function currentReadRouting(): ReadRouting | undefined {
  return storage.getStore();
}
