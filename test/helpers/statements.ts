import { expect } from 'vitest';
import { tapStatements } from '../../src/observability/request-db-stats.js';

/**
 * Every SQL statement counted while `run` runs: the same counter that gives a request its
 * `dbStatements` (fed by the ORM's logger, see src/database/statement-counting.logger.ts), so
 * BEGIN/COMMIT count too. Counts statements, never time.
 */
export async function recordStatements<T>(run: () => PromiseLike<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const untap = tapStatements((sql) => statements.push(sql));
  try {
    return { result: await run(), statements };
  } finally {
    untap();
  }
}

/**
 * Runs `run` (usually one supertest request) and asserts it ran exactly `n` SQL statements,
 * listing them when it did not: a change that adds a statement to a route fails its spec until
 * the spec's number is changed on purpose.
 */
export async function expectStatements<T>(run: () => PromiseLike<T>, n: number): Promise<T> {
  const { result, statements } = await recordStatements(run);
  expect(
    statements,
    `expected ${n} SQL statement(s), got ${statements.length}:\n  ${statements.join('\n  ')}`,
  ).toHaveLength(n);
  return result;
}
