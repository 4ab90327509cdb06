/**
 * What went wrong, said in the domain's words. Services throw these; the one HTTP filter
 * (http-error.filter.ts) decides the status. No HttpException is built inside a service.
 */
export abstract class DomainError extends Error {}

/** The addressed resource does not exist (404). */
export class NotFoundError extends DomainError {
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

/** A unique value is already taken (409); `field` names which, `index` the batch item if any. */
export class DuplicateError extends DomainError {
  constructor(
    readonly field: string,
    readonly index?: number,
  ) {
    super(index === undefined ? `${field} already taken` : `items[${index}].${field} already taken`);
  }
}

/** The request is well-formed but asks for something impossible (400). */
export class InvalidRequestError extends DomainError {}

/** The database is there but cannot take the work right now (503): lock or pool timeout. */
export class UnavailableError extends DomainError {}

/** The caller did not prove who it is: no or wrong API token (401). */
export class UnauthorizedError extends DomainError {}

/**
 * A request ran more SQL statements than DB_STATEMENT_BUDGET allows, in a test build (500).
 * Raised only under NODE_ENV=test, so its message (route template and counts, no data) is shown
 * in the body to tell the failing spec why.
 */
export class StatementBudgetError extends DomainError {
  constructor(route: string, count: number, budget: number) {
    super(`${route} ran ${count} SQL statements, over DB_STATEMENT_BUDGET=${budget}`);
  }
}
