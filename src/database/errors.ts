/**
 * Owns: translating driver errors (SQLite's and PostgreSQL's) into domain errors, the only place
 * that knows how each database reports a duplicate, a missing reference or an outage. Must not
 * import: http (the filter calls this), features.
 */
import {
  ConnectionException,
  DeadlockException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import {
  DomainError,
  DuplicateError,
  InvalidRequestError,
  PreconditionFailedError,
  StorageFullError,
  UnavailableError,
} from '../common/errors.js';
import { POOLER_CODES } from './postgresql/prepared-statements.js';

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
 * Why a statement could not run, read from the error (a MikroORM DriverException keeps the
 * driver's `code` and message) or from a raw driver error: `pg` raises its own errors, unwrapped,
 * when a transaction is being opened (the pool connects, `BEGIN` is sent) or a connection breaks.
 */
type Failure = 'busy' | 'unavailable' | 'timeout' | 'storage-full';

/**
 * Codes of a database that is gone, refusing, restarting or full of connections: retry later.
 * PostgreSQL: 57P01 admin_shutdown (a terminated backend, a fast shutdown), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down), 53300
 * too_many_connections, 53000 insufficient_resources, 25006 read_only_sql_transaction (a standby,
 * or a primary being demoted during a failover), and class 08 (connection exceptions, below).
 * Node's socket errors from `pg`. SQLite: the file cannot be opened, is locked past busy_timeout
 * or was made read-only under the process. 26000/42P05: a named prepared statement met a pooler in
 * transaction mode; the pool stops naming statements at once (postgresql/prepared-statements.ts),
 * so a retry succeeds.
 */
const UNAVAILABLE_CODES = new Set([
  ...POOLER_CODES,
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53000',
  '25006',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
]);

/**
 * pg's own messages, which carry no code: a dropped socket, a broken client, a connect that timed
 * out; and, during a failover behind PgBouncer, its "server closed the connection unexpectedly"
 * and query_wait_timeout (PgBouncer's 08P01 is matched by the 08xxx class above).
 */
const UNAVAILABLE_MESSAGES =
  /Connection terminated unexpectedly|is not queryable|^timeout expired$|Connection terminated due to connection timeout|Cannot use a pool after calling end|server closed the connection unexpectedly|Client has encountered a connection error|query_wait_timeout/;

/** The database is up but every connection or the lock is taken: SQLite's lock past busy_timeout, pg-pool's wait. */
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);
const POOL_TIMEOUT = /timeout exceeded when trying to connect/;

/** 57014 query_canceled: PostgreSQL's statement_timeout (or a cancel); pg's client-side query_timeout. */
const TIMEOUT_CODES = new Set(['57014']);
const TIMEOUT_MESSAGES = /^Query read timeout$|canceling statement due to statement timeout/;

/** No space left: PostgreSQL 53100 disk_full, SQLite's SQLITE_FULL, the OS's ENOSPC. */
const STORAGE_FULL_CODES = new Set(['53100', 'SQLITE_FULL', 'ENOSPC']);

/**
 * A COMMIT whose answer never came (the connection broke, or the client-side deadline passed):
 * the server may have committed. Thrown by the transaction guard (query/rollback-guard.ts) with
 * the driver's error as its cause; the client is told the write may have been applied.
 */
export class CommitOutcomeUnknownError extends Error {
  /** Survives MikroORM's DriverException wrapping, which copies a cause's own properties. */
  readonly commitOutcomeUnknown = true;

  constructor(cause: unknown) {
    super(`the outcome of COMMIT is unknown: ${(cause as Error | undefined)?.message ?? String(cause)}`, { cause });
    this.name = 'CommitOutcomeUnknownError';
  }
}

/** `error` and the errors it wraps (`cause`), at most five deep. */
function* causeChain(error: unknown): Generator<Error> {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) yield cause;
}

function isCommitOutcomeUnknown(error: unknown): boolean {
  for (const cause of causeChain(error)) {
    if ((cause as { commitOutcomeUnknown?: unknown }).commitOutcomeUnknown === true) return true;
  }
  return false;
}

/** What kind of temporary failure `error` (or an error it wraps) is; `undefined` for anything else. */
export function classifyDbFailure(error: unknown): Failure | undefined {
  // A deadlock or serialization failure (40P01, 40001; CockroachDB reports contention this way)
  // rolled the whole transaction back: retrying the request is the fix. A lock wait that ran out
  // (SQLite's busy_timeout) and a refused connection are temporary too.
  if (error instanceof LockWaitTimeoutException || error instanceof DeadlockException) return 'busy';
  if (error instanceof ConnectionException) return 'unavailable';
  for (const cause of causeChain(error)) {
    const code = (cause as { code?: unknown }).code;
    const key = typeof code === 'string' ? code.replace(/^(SQLITE_[A-Z]+)_.*/, '$1') : undefined;
    if (key !== undefined && STORAGE_FULL_CODES.has(key)) return 'storage-full';
    if (key !== undefined && TIMEOUT_CODES.has(key)) return 'timeout';
    if (key !== undefined && (UNAVAILABLE_CODES.has(key) || /^08[0-9A-Z]{3}$/.test(key))) return 'unavailable';
    if (key !== undefined && BUSY_CODES.has(key)) return 'busy';
    if (TIMEOUT_MESSAGES.test(cause.message)) return 'timeout';
    if (POOL_TIMEOUT.test(cause.message)) return 'busy';
    if (UNAVAILABLE_MESSAGES.test(cause.message)) return 'unavailable';
  }
  return undefined;
}

/** The domain error of a temporary database failure; the messages say what, never where (no host, no path). */
function failureError(failure: Failure): DomainError {
  if (failure === 'storage-full') {
    return new StorageFullError('the database has no space left: writes are refused until space is freed');
  }
  if (failure === 'timeout') return new UnavailableError('the database did not answer in time, try again');
  if (failure === 'busy') return new UnavailableError('the database is busy, try again');
  return new UnavailableError('the database is unavailable, try again');
}

/**
 * Translates a database error a client can meet into the domain error that says what happened:
 * a constraint its input broke (409/400), or a temporary failure of the database (503 with
 * Retry-After; 507 for a full disk). `undefined` for anything else (a bug), which stays a 500.
 * Driver differences end here: SQLite says `UNIQUE constraint failed: users.email`, PostgreSQL
 * names the constraint `users_email_unique` and says `Key (email)=(…)` in its detail.
 */
export function translateDbError(error: unknown): DomainError | undefined {
  if (isCommitOutcomeUnknown(error)) {
    return new UnavailableError(
      'the connection to the database was lost while committing: the write may have been applied; ' +
        'check before retrying, or retry with the same Idempotency-Key',
    );
  }
  const failure = classifyDbFailure(error);
  if (failure) return failureError(failure);
  // The unit of work's UPDATE ... WHERE version = ? matched no row: another write won (If-Match).
  if (error instanceof OptimisticLockError) return new PreconditionFailedError();
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
