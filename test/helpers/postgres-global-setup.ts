import type { TestProject } from 'vitest/node';
import { quoteIdent, withPostgresAdmin } from './postgres-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every database this run creates starts with it; leftovers are dropped at the end. */
    pgDatabasePrefix: string;
  }
}

/**
 * Global setup of the postgres project: proves TEST_POSTGRES_URL answers (a set but unreachable
 * server fails the run loudly), hands the workers a per-run database prefix, and drops whatever
 * databases of this run a crashed spec left behind.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prefix = `us_i4_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}_`;
  try {
    await withPostgresAdmin((connection) => connection.execute('select 1'));
  } catch (error) {
    throw new Error(`TEST_POSTGRES_URL is set but PostgreSQL does not answer: ${(error as Error).message}`, {
      cause: error,
    });
  }
  project.provide('pgDatabasePrefix', prefix);
  return async () => {
    await withPostgresAdmin(async (connection) => {
      const rows = await connection.execute<{ datname: string }[]>(
        'select datname from pg_database where left(datname, ?) = ?',
        [prefix.length, prefix],
      );
      for (const { datname } of rows) {
        await connection.execute(`drop database if exists ${quoteIdent(datname)} with (force)`);
      }
    });
  };
}
