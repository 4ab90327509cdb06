/**
 * The fields of `pg.Pool` and its clients read here (pg ships no types of its own). `_clients`
 * and `_idle` are pg-pool's own bookkeeping: every open client, and those idle in the pool.
 */
interface PoolClient {
  once(event: 'end', listener: () => void): void;
  release?: (error?: Error) => void;
}
interface PgPool {
  on(event: 'connect', listener: (client: PoolClient) => void): void;
  _clients: PoolClient[];
  _idle: { client: PoolClient }[];
}

/** How long the holder of a client whose connection ended has to release it itself. */
const GRACE_MS = 1000;

/**
 * Gives back to the pool, as broken, a client whose connection ended while it was lent out and
 * that nobody released. Kysely's transaction releases its connection only when COMMIT or
 * ROLLBACK succeeds: when the server dies under an open transaction (a failover) both fail, the
 * client stays checked out for ever, and after a few such transactions the pool has no
 * connection left and every request waits for DB_POOL_TIMEOUT_MS, then gets a 503, although the
 * database is back. Found by the failover measurements (scripts/cluster/measure.ts).
 */
export function releaseLostClients(pool: unknown): void {
  const pg = pool as PgPool;
  pg.on('connect', (client) => {
    client.once('end', () => {
      setTimeout(() => {
        // pg-pool's own fields: it has no public way to tell a lent-out client from an idle one.
        // oxlint-disable-next-line no-underscore-dangle
        const lentOut = pg._clients.includes(client) && !pg._idle.some((idle) => idle.client === client);
        if (!lentOut) return;
        try {
          client.release?.(new Error('connection ended while lent out'));
        } catch {
          // Released by its holder meanwhile: nothing left to do.
        }
      }, GRACE_MS).unref();
    });
  });
}
