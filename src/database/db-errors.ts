import {
  ConnectionException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { DomainError, DuplicateError, InvalidRequestError, UnavailableError } from '../common/errors.js';

/** Where each driver names the column of a unique violation. */
const UNIQUE_COLUMN_PATTERNS = [
  /UNIQUE constraint failed: [\w"]+\.(\w+)/, // SQLite message
  /Key \("?(\w+)"?\)=/, // PostgreSQL detail
  /_([a-z0-9]+)_unique\b/i, // MikroORM's constraint names: users_email_unique
];

/**
 * Translates a database error a client can cause into the domain error that says what happened;
 * `undefined` for anything else (a bug, a lost database), which stays a 500.
 * Driver differences end here: SQLite says `UNIQUE constraint failed: users.email`, PostgreSQL
 * names the constraint `users_email_unique` and says `Key (email)=(…)` in its detail.
 */
export function translateDbError(error: unknown): DomainError | undefined {
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
  if (error instanceof LockWaitTimeoutException || error instanceof ConnectionException) {
    return new UnavailableError('the database is busy, try again');
  }
  return undefined;
}

/** Which unique column a violation is about, read from the driver's message, constraint and detail. */
export function conflictingColumn(error: DriverException): string | undefined {
  const details = error as DriverException & { constraint?: string; detail?: string };
  const text = [error.message, details.constraint, details.detail].filter(Boolean).join(' ');
  for (const pattern of UNIQUE_COLUMN_PATTERNS) {
    const match = pattern.exec(text);
    if (match) return match[1];
  }
  return undefined;
}
