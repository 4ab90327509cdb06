import { StandardSchemaValidationPipe } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { DomainError, type ErrorDetails } from './errors.js';

/** One problem with a request value: where (`items.3.email`) and what. */
export interface Issue {
  path: string;
  message: string;
}

/** A request value failed its schema (400); `issues` says where and why. */
export class RequestValidationError extends DomainError {
  readonly status = 400;

  constructor(readonly issues: Issue[]) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '));
  }

  override details(): ErrorDetails {
    return { issues: this.issues };
  }
}

function toIssue(issue: StandardSchemaV1.Issue): Issue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}

/** Keys that could reach an object's prototype chain if a value were ever merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function findForbiddenKey(value: unknown, path: string[] = [], depth = 0): Issue | undefined {
  if (typeof value !== 'object' || value === null || depth > 64) return undefined;
  for (const key of Object.keys(value)) {
    const where = [...path, key];
    if (FORBIDDEN_KEYS.has(key)) return { path: where.join('.'), message: `the key "${key}" is not allowed` };
    const nested = findForbiddenKey((value as Record<string, unknown>)[key], where, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Nest strips `__proto__`/`constructor` keys silently before validating, so a hostile body
 * would pass as if the keys were never sent. We answer it with a 400 instead: a client that
 * sends them should hear about it, and nothing half-read is stored.
 */
class StrictStandardSchemaValidationPipe extends StandardSchemaValidationPipe {
  protected override stripProtoKeys(value: unknown): void {
    const issue = findForbiddenKey(value);
    if (issue) throw new RequestValidationError([issue]);
  }
}

/**
 * Nest 12's own pipe for the `schema` option of `@Body`, `@Query` and `@Param`: the same Zod
 * schema validates the request and describes it in the OpenAPI document. Failures become a
 * `RequestValidationError`, so the error filter shapes them like every other error.
 */
export function createValidationPipe(): StandardSchemaValidationPipe {
  return new StrictStandardSchemaValidationPipe({
    exceptionFactory: (issues) => new RequestValidationError(issues.slice(0, 20).map(toIssue)),
  });
}
