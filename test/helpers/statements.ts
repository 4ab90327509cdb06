import { expect } from 'vitest';
import { tapStatements } from '../../src/observability/request-db-stats.js';

/**
 * The specs' one SQL recorder. It listens to the same counter that gives a request its
 * `dbStatements` (fed by the ORM's logger, src/observability/statement-counting.logger.ts, and by
 * the fast paths that log their statements there too), so BEGIN/COMMIT count and nothing the
 * service runs is hidden from it; it never replaces the logger, so the counter and the strict
 * budget keep working while it records. Counts statements, never time.
 */
export interface StatementRecorder {
  /** Every statement counted since the recorder started (or was last reset), in order. */
  readonly statements: string[];
  reset(): void;
  stop(): void;
}

/** Records every statement counted anywhere in this process until `stop()`. */
export function startRecording(): StatementRecorder {
  const statements: string[] = [];
  const stop = tapStatements((sql) => statements.push(sql));
  return { statements, reset: () => void statements.splice(0), stop };
}

/** Every SQL statement counted while `run` runs. */
export async function recordStatements<T>(run: () => PromiseLike<T>): Promise<{ result: T; statements: string[] }> {
  const recorder = startRecording();
  try {
    return { result: await run(), statements: recorder.statements };
  } finally {
    recorder.stop();
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
