import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseTarget } from '../../config/database-url.js';

/**
 * Answers "does the database answer?" for GET /health/ready on a connection of its own, so the
 * probe never queues behind request traffic (issue 14, failure 4: under 2 000 connections the
 * ORM's pool was busy, `select 1` waited its turn, and the probe said "down" while the database
 * was fine). Only a database that does not answer within the timeout fails it.
 * - PostgreSQL: a one-connection `pg` pool of its own, opened on first use and kept, with the
 *   probe's timeout as connect, statement and query timeout.
 * - SQLite file: a fresh read-only handle per probe (opening one is cheap and needs no lock), so
 *   a deleted or unreadable file is noticed. In-memory SQLite exists only inside the ORM's
 *   handle: that handle is asked directly (synchronously, outside Kysely's connection lock).
 */
/** Injection token of the app's DatabaseTarget (DATABASE_URL, parsed). */
export const DATABASE_TARGET = Symbol('DATABASE_TARGET');

@Injectable()
export class DatabaseProbe implements OnApplicationShutdown {
  private pool: pg.Pool | undefined;

  constructor(
    @Inject(DATABASE_TARGET) private readonly target: DatabaseTarget,
    private readonly orm: MikroORM,
  ) {}

  /** Resolves when the database answered `select 1` within `timeoutMs`; rejects otherwise. */
  async ping(timeoutMs: number): Promise<void> {
    if (this.target.driver === 'postgresql') {
      await withTimeout(this.postgresPool(timeoutMs).query('select 1'), timeoutMs);
      return;
    }
    if (this.target.inMemory) {
      const native = (await this.orm.driver.getConnection().getNativeClient()) as Database.Database;
      native.prepare('select 1').get();
      return;
    }
    const handle = new Database(this.target.file, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    try {
      handle.prepare('select count(*) from sqlite_master').get();
    } finally {
      handle.close();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private postgresPool(timeoutMs: number): pg.Pool {
    if (this.target.driver !== 'postgresql') throw new Error('not a PostgreSQL target');
    if (this.pool) return this.pool;
    this.pool = new pg.Pool({
      connectionString: this.target.clientUrl,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs,
      keepAlive: true,
      application_name: 'users-service readiness',
    });
    // A dropped probe connection is reported by the next ping; it must not crash the process.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    return this.pool;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
