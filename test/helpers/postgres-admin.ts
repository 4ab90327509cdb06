import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AbstractSqlConnection } from '@mikro-orm/sql';

/** The server the postgres project runs on (`postgresql://postgres@127.0.0.1:5432/test` in CI). */
export function testPostgresUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) throw new Error('TEST_POSTGRES_URL is not set: the postgres project needs it');
  return url;
}

/** `TEST_POSTGRES_URL` with another database name. */
export function postgresUrlFor(database: string): string {
  const url = new URL(testPostgresUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a short-lived connection to TEST_POSTGRES_URL's own database, for CREATE/DROP DATABASE. */
export async function withPostgresAdmin<T>(work: (connection: AbstractSqlConnection) => Promise<T>): Promise<T> {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: testPostgresUrl(),
    entities: [],
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false,
    pool: { min: 0, max: 1 },
  });
  try {
    return await work(orm.driver.getConnection());
  } finally {
    await orm.close(true);
  }
}

/** A database name is ours (prefix + digits/letters), never client input; quoted all the same. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
