import type { ErrorBody } from './error-body.schema.js';

/** Fields of an error body beyond status, error and message (409's `field`, 400's `issues`). */
export type ErrorDetails = Omit<Partial<ErrorBody>, 'statusCode' | 'error' | 'message' | 'requestId'>;

/**
 * What went wrong, said in the domain's words. Services throw these; each one carries the HTTP
 * status it answers with (abstract, so a new error class cannot compile without choosing one,
 * and none can fall silently into a 500). The one HTTP filter (http/http-error.filter.ts) only
 * reads `status`, `message` and `details()`. No HttpException is built inside a service.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;

  /** Whether `message` may reach the client of a 5xx; most 5xx say only "internal server error". */
  readonly exposeMessage: boolean = true;

  /** Extra fields for the error body. */
  details(): ErrorDetails {
    return {};
  }

  /** Response headers the status calls for (503's Retry-After, 401's WWW-Authenticate). */
  headers(): Record<string, string> {
    return {};
  }
}

/** The addressed resource does not exist (404). */
export class NotFoundError extends DomainError {
  readonly status = 404;

  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

/** A unique value is already taken (409); `field` names which, `index` the batch item if any. */
export class DuplicateError extends DomainError {
  readonly status = 409;

  constructor(
    readonly field: string,
    readonly index?: number,
  ) {
    super(index === undefined ? `${field} already taken` : `items[${index}].${field} already taken`);
  }

  override details(): ErrorDetails {
    return { field: this.field, ...(this.index !== undefined ? { index: this.index } : {}) };
  }
}

/** The request is well-formed but asks for something impossible (400). */
export class InvalidRequestError extends DomainError {
  readonly status = 400;
}

/**
 * A dependency cannot take the work right now (503): the database is down, restarting, out of
 * connections, read-only, too slow (statement or request deadline) or busy. Temporary by nature,
 * so it tells the client when to try again.
 */
export class UnavailableError extends DomainError {
  readonly status = 503;

  constructor(
    message: string,
    /** Seconds for `Retry-After` (a failover takes a few). */
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/**
 * The database has no space left for a write (507): SQLite's SQLITE_FULL, PostgreSQL's 53100.
 * Reads go on; writes succeed again once space is freed. The message names no file or path.
 */
export class StorageFullError extends DomainError {
  readonly status = 507;

  override headers(): Record<string, string> {
    return { 'Retry-After': '30' };
  }
}

/** The caller did not prove who it is: no or wrong API token (401). */
export class UnauthorizedError extends DomainError {
  readonly status = 401;

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Bearer realm="users-service"' };
  }
}

/** A client went past its rate limit (429); `retryAfterSeconds` says when the window lets it in again. */
export class RateLimitedError extends DomainError {
  readonly status = 429;

  constructor(
    readonly routeClass: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`rate limit exceeded for ${routeClass}; retry in ${retryAfterSeconds}s`);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/**
 * `If-Match` names a version that is no longer the current one (412): someone else changed the
 * resource since the client read it. `currentETag` (body and `ETag` header) says what it is now,
 * when known; a conflict caught by the optimistic lock alone does not know it.
 */
export class PreconditionFailedError extends DomainError {
  readonly status = 412;

  constructor(readonly currentETag?: string) {
    super(
      currentETag === undefined
        ? 'the resource changed since it was read: read it again'
        : `the resource changed since it was read: its current ETag is ${currentETag}`,
    );
  }

  override details(): ErrorDetails {
    return this.currentETag === undefined ? {} : { currentETag: this.currentETag };
  }

  override headers(): Record<string, string> {
    return this.currentETag === undefined ? {} : { ETag: this.currentETag };
  }
}

/** The server requires `If-Match` on writes (`REQUIRE_IF_MATCH=1`) and the request has none (428). */
export class PreconditionRequiredError extends DomainError {
  readonly status = 428;
}

/** This `Idempotency-Key` was first used with another request (method, path or body) (422). */
export class IdempotencyKeyReusedError extends DomainError {
  readonly status = 422;

  constructor() {
    super('this Idempotency-Key was already used with a different request: use a new key for a new request');
  }
}

/** The first request with this `Idempotency-Key` is still being processed (409, retry later). */
export class IdempotencyInFlightError extends DomainError {
  readonly status = 409;

  constructor(readonly retryAfterSeconds: number) {
    super('a request with this Idempotency-Key is still in progress: retry later');
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}
