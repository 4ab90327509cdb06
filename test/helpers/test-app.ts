import { MikroORM } from '@mikro-orm/core';
import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/env.schema.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export { tempDir } from './temp-dir.js';

export interface TestApp {
  app: NestExpressApplication;
  orm: MikroORM;
  http: TestAgent;
  /** The app's DATABASE_URL. */
  databaseUrl: string;
  /** What the app logged, when started with `logs: true` (Nest's logger calls, in order). */
  logs: LogRecord[];
  /** Rows in a table, counted with plain SQL outside any request. */
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * `DATABASE_URL` for this app; default a fresh database of the Vitest project's kind (a temp
   * SQLite file, or a new PostgreSQL database when the postgres project runs), dropped on close.
   */
  db?: string;
  env?: Record<string, string>;
  /** Collect the app's log calls in `logs` (otherwise the app logs nothing). */
  logs?: boolean;
}

export interface LogRecord {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  context: string | undefined;
  /** The first argument as given: a string, or an object such as a request's log entry. */
  message: unknown;
}

/** A Nest logger that keeps every call; the last argument of each is its context. */
function collectingLogger(records: LogRecord[]): LoggerService {
  const keep =
    (level: LogRecord['level']) =>
    (message: unknown, ...rest: unknown[]) =>
      void records.push({
        level,
        message,
        context: typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined,
      });
  return {
    log: keep('log'),
    error: keep('error'),
    warn: keep('warn'),
    debug: keep('debug'),
    verbose: keep('verbose'),
    fatal: keep('fatal'),
  };
}

/**
 * Boots the real AppModule (real MikroORM, real SQLite or PostgreSQL) behind supertest,
 * configured like `main.ts`. Each call gets its own database.
 */
export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const db: TestDatabase | undefined = options.db ? undefined : await createTestDatabase();
  const url = options.db ?? db!.url;
  let app: NestExpressApplication | undefined;
  const logs: LogRecord[] = [];
  try {
    const config = loadConfig({ NODE_ENV: 'test', ...options.env, DATABASE_URL: url });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
    app = configureApp(
      moduleRef.createNestApplication<NestExpressApplication>({
        bodyParser: false,
        logger: options.logs ? collectingLogger(logs) : false,
      }),
    );
    await app.init();
  } catch (error) {
    // A failed start still opened the ORM: close it before its database goes.
    await app?.close().catch(() => undefined);
    await db?.drop();
    throw error;
  }
  const orm: MikroORM = app.get<MikroORM>(MikroORM);
  return {
    app,
    databaseUrl: url,
    orm,
    logs,
    http: request(app.getHttpServer()),
    async count(table) {
      const rows = await orm.driver.getConnection().execute<{ n: number }[]>(`select count(*) as n from ${table}`);
      return Number(rows[0].n);
    },
    async close() {
      await app.close();
      await db?.drop();
    },
  };
}
