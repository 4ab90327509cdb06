import { StandardSchemaValidationPipe } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';

/** One problem with a request value: where (`items.3.email`) and what. */
export interface Issue {
  path: string;
  message: string;
}

/** A request value failed its schema (400); `issues` says where and why. */
export class RequestValidationError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '));
  }
}

function toIssue(issue: StandardSchemaV1.Issue): Issue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}

/**
 * Nest 12's own pipe for the `schema` option of `@Body`, `@Query` and `@Param`: the same Zod
 * schema validates the request and describes it in the OpenAPI document. Failures become a
 * `RequestValidationError`, so the error filter shapes them like every other error.
 */
export function createValidationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    exceptionFactory: (issues) => new RequestValidationError(issues.slice(0, 20).map(toIssue)),
  });
}
