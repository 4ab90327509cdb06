import {
  ConnectionException,
  DeadlockException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { DomainError, DuplicateError, InvalidRequestError, UnavailableError } from '../common/errors.js';

/**
 * Where each driver names the column of a unique violation. Each pattern reads one field of the
 * error and is anchored, so a value quoted inside a message (PostgreSQL repeats the key's value
 * in its detail) can never pass for a column name.
 */
const UNIQUE_COLUMN_SOURCES: { field: 'message' | 'detail' | 'constraint'; pattern: RegExp }[] = [
  { field: 'detail', pattern: /^Key \("?(\w+)"?[,)]/ }, // PostgreSQL: Key (email)=(a@b) already exists.
  { field: 'message', pattern: /^UNIQUE constraint failed: [\w"]+\.(\w+)/ }, // SQLite
  { field: 'constraint', pattern: /^[a-z0-9]+_(\w+)_unique$/i }, // MikroORM's names: users_email_unique
];

/**
 * A server that refuses or drops connections, is shutting down or has no slot left
 * (57P01 admin_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections), and pg-pool's
 * message when no connection came free within connectionTimeoutMillis: retry later.
 * During a failover (Patroni, HAProxy, PgBouncer) also: 57P02 crash_shutdown, 25006
 * read_only_sql_transaction (a write that reached a node as it was demoted), 08xxx connection
 * failures and PgBouncer's 08P01 (query_wait_timeout, server conn crashed), and a connection cut
 * mid-query ("Connection terminated unexpectedly").
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '25006',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08P01',
]);
const POOL_TIMEOUT =
  /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Connection terminated unexpectedly|server closed the connection unexpectedly|Client has encountered a connection error|query_wait_timeout/;

/**
 * Translates a database error a client can cause into the domain error that says what happened;
 * `undefined` for anything else (a bug, a lost database), which stays a 500.
 * Driver differences end here: SQLite says `UNIQUE constraint failed: users.email`, PostgreSQL
 * names the constraint `users_email_unique` and says `Key (email)=(…)` in its detail.
 */
export function translateDbError(error: unknown): DomainError | undefined {
  if (isUnavailable(error)) return new UnavailableError('the database is busy, try again');
  if (!(error instanceof DriverException)) return undefined;
  if (error instanceof UniqueConstraintViolationException) {
    return new DuplicateError(conflictingColumn(error) ?? 'unknown');
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return new InvalidRequestError('a referenced row does not exist');
  }
  if (error instanceof NotNullConstraintViolationException) {
    return new InvalidRequestError('a required value is missing');
  }
  return undefined;
}

/**
 * Lock wait, pool acquire timeout, refused or dropped connection: temporary, a 503. pg-pool
 * rejects a timed-out acquire with a plain Error, which can reach the filter unwrapped.
 */
function isUnavailable(error: unknown): boolean {
  // A deadlock or serialization failure (40P01, 40001; CockroachDB reports contention this way)
  // rolled the whole transaction back: retrying the request is the fix.
  if (
    error instanceof LockWaitTimeoutException ||
    error instanceof ConnectionException ||
    error instanceof DeadlockException
  ) {
    return true;
  }
  // The driver's code, on MikroORM's wrapped exceptions and on the raw pg errors a commit or
  // rollback can throw unwrapped (a dying leader's "terminating connection ..." 57P01).
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return error instanceof Error && POOL_TIMEOUT.test(error.message);
}

/** Which unique column a violation is about, read from the driver's message, constraint and detail. */
export function conflictingColumn(error: DriverException): string | undefined {
  const fields = error as DriverException & { constraint?: unknown; detail?: unknown };
  for (const { field, pattern } of UNIQUE_COLUMN_SOURCES) {
    const text = fields[field];
    const match = typeof text === 'string' ? pattern.exec(text) : null;
    if (match) return match[1];
  }
  return undefined;
}
