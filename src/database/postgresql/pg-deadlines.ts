/** The parts of `pg`'s pool and client used here (pg ships no types of its own). */
interface PgClient {
  query(...args: unknown[]): unknown;
  connection: { stream: { destroy(error: Error): void } };
}
interface PgPool {
  on(event: 'connect', listener: (client: PgClient) => void): void;
}

/**
 * Extra time the client waits past the server's statement_timeout before it gives up on the
 * socket: the server's own cancel (57014) normally arrives first; only a network or server that
 * stopped answering altogether reaches the client-side timeout.
 */
const CLIENT_MARGIN_MS = 1000;

/** First TCP keepalive probe after this much idle time: a dead peer is noticed in under a minute. */
const KEEPALIVE_DELAY_MS = 10_000;

/**
 * `pg` pool options that bound every statement in time (issue 14, failure 3: a stalled database
 * held requests for the whole stall):
 * - `statement_timeout`: the server cancels a statement running longer (57014, a 503);
 * - `query_timeout`: the client stops waiting when no answer comes at all (a stalled network,
 *   a frozen server), and the connection is then destroyed (`pg` would otherwise hand the stuck
 *   client back to the pool, and the next request would queue behind the unanswered statement);
 * - TCP keepalive, so a half-open connection to a vanished server is found and dropped.
 * `0` turns both timeouts off (keepalive stays).
 */
export function pgDeadlineOptions(statementTimeoutMs: number): Record<string, unknown> {
  return {
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(statementTimeoutMs > 0
      ? {
          statement_timeout: statementTimeoutMs,
          query_timeout: statementTimeoutMs + CLIENT_MARGIN_MS,
          onPoolCreated: (pool: PgPool) => pool.on('connect', destroyOnReadTimeout),
        }
      : {}),
  };
}

/** After `Query read timeout` the socket is broken on purpose: `pg` then drops the client from the pool. */
function destroyOnReadTimeout(client: PgClient): void {
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === 'Query read timeout') {
          client.connection.stream.destroy(error);
        }
      });
    }
    return result;
  };
}
