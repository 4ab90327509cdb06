import { setTimeout as sleep } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/env.schema.js';
import type { RequestLogEntry } from '../../src/observability/http-request-figures.js';
import { checkedHttp, type Contract, contractFor, type OpenApiDocument } from './contract.js';
import { registeredRoutes } from './routes.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export { tempDir } from './temp-dir.js';

export interface TestApp {
  app: NestExpressApplication;
  orm: MikroORM;
  /** supertest on the app; every response is checked against the served OpenAPI document (contract.ts). */
  http: TestAgent;
  /** The contract of the document this app serves at /docs-json. */
  contract: Contract;
  /** The app's DATABASE_URL. */
  databaseUrl: string;
  /** What the app logged (pino's JSON lines, parsed, in order): kept for every app, printed by none. */
  logs: LogRecord[];
  /**
   * Waits (at most 2 s) until `logs` holds a line matching `match`, and returns the matches: lines
   * written when a response's connection closes can trail the client's last byte by a moment.
   */
  logged(match: (record: LogRecord) => boolean): Promise<LogRecord[]>;
  /** The request log lines (pino-http's, one per finished request), with their figures. */
  requestLines(): (LogRecord & RequestLogEntry)[];
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
}

/** One JSON line the app's pino logger wrote: `level` (pino's name), `context`, `msg`, and its fields. */
export interface LogRecord {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  context?: string;
  msg?: string;
  requestId?: string;
  [field: string]: unknown;
}

/**
 * The pino destination of every app a spec file starts: it parses each line into the `logs` of
 * the app started last. One for the whole process because nestjs-pino keeps one root logger per
 * process (built by the first app: a server runs one app); specs start their apps one after the
 * other, so the newest app is the one logging.
 */
const sink = { records: [] as LogRecord[] };
const collectingDestination = { write: (line: string) => void sink.records.push(JSON.parse(line) as LogRecord) };

/**
 * Boots the real AppModule (real MikroORM, real SQLite or PostgreSQL) behind supertest,
 * configured like `main.ts`. Each call gets its own database.
 */
/**
 * Settings a suite's runner sets for every app of the run rather than per spec: the PgBouncer
 * cluster spec runs the users suite with DB_PREPARED_STATEMENTS=0, as production behind PgBouncer
 * in transaction mode must. Everything else comes from the spec (`options.env`), not the shell.
 */
function inheritedEnv(): Record<string, string> {
  const value = process.env.DB_PREPARED_STATEMENTS;
  return value === undefined ? {} : { DB_PREPARED_STATEMENTS: value };
}

export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const db: TestDatabase | undefined = options.db ? undefined : await createTestDatabase();
  const url = options.db ?? db!.url;
  let app: NestExpressApplication | undefined;
  const logs: LogRecord[] = [];
  sink.records = logs;
  try {
    const config = loadConfig({ NODE_ENV: 'test', ...inheritedEnv(), ...options.env, DATABASE_URL: url });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config, { logDestination: collectingDestination })],
    }).compile();
    app = configureApp(
      moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true }),
    );
    // Nest's own lines go through pino too, as in main.ts, into `logs` instead of stdout.
    app.useLogger(app.get(Logger));
    await app.init();
  } catch (error) {
    // A failed start still opened the ORM: close it before its database goes.
    await app?.close().catch(() => undefined);
    await db?.drop();
    throw error;
  }
  const orm: MikroORM = app.get<MikroORM>(MikroORM);
  const contract = await servedContract(app);
  return {
    app,
    databaseUrl: url,
    orm,
    logs,
    contract,
    http: checkedHttp(request(app.getHttpServer()), contract),
    async logged(match) {
      for (let waited = 0; waited < 2000 && !logs.some(match); waited += 10) await sleep(10);
      return logs.filter(match);
    },
    requestLines: () =>
      logs.filter((r) => r.context === 'HTTP' && 'dbStatements' in r) as (LogRecord & RequestLogEntry)[],
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

/**
 * The document an app serves depends only on the routes it registers (METRICS=1 adds one), so
 * it is fetched from /docs-json once per set of routes rather than generated again for each app.
 */
const documents = new Map<string, Promise<OpenApiDocument>>();
function servedContract(app: NestExpressApplication): Promise<Contract> {
  const key = JSON.stringify(registeredRoutes(app));
  let document = documents.get(key);
  if (!document) {
    document = request(app.getHttpServer())
      .get('/docs-json')
      .expect(200)
      .then((res) => res.body as OpenApiDocument);
    documents.set(key, document);
  }
  return document.then(contractFor);
}
