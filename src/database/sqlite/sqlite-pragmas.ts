/**
 * Owns (sqlite/): what only SQLite needs: the pragmas of every connection, the statement cache
 * (bound parameters for every ORM query) and the primary-key fast path. Must not import:
 * features (they call the fast path with their entity), observability, http.
 */
import { CompiledQuery, type DatabaseConnection } from 'kysely';

/**
 * How long a writer waits for the lock held by another connection or process before failing,
 * unless DB_STATEMENT_TIMEOUT_MS says otherwise (the same deadline as a PostgreSQL statement).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Pragmas applied to every new SQLite connection. MikroORM 7 only turns on foreign keys;
 * the rest is ours:
 * - `journal_mode = wal`: readers never block the writer and vice versa, so concurrent requests
 *   (and several processes on one file) do not fail with SQLITE_BUSY;
 * - `busy_timeout`: a writer queues behind another writer instead of failing at once;
 * - `synchronous = normal`: safe with WAL (a crash of the process loses nothing committed);
 *   only a power loss can drop the last transactions, in exchange for far fewer fsyncs.
 */
const pragmas = (busyTimeoutMs: number): string[] => [
  'pragma journal_mode = wal',
  `pragma busy_timeout = ${Math.trunc(busyTimeoutMs)}`,
  'pragma synchronous = normal',
];

export async function applySqlitePragmas(
  connection: DatabaseConnection,
  busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS,
): Promise<void> {
  for (const pragma of pragmas(busyTimeoutMs)) {
    await connection.executeQuery(CompiledQuery.raw(pragma));
  }
}
