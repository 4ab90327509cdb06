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

/** The database is there but cannot take the work right now (503): lock or pool timeout. */
export class UnavailableError extends DomainError {
  readonly status = 503;

  /** A moment is usually enough for a lock or a pooled connection to come free. */
  override headers(): Record<string, string> {
    return { 'Retry-After': '1' };
  }
}

/** The caller did not prove who it is: no or wrong API token (401). */
export class UnauthorizedError extends DomainError {
  readonly status = 401;

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Bearer realm="users-service"' };
  }
}
