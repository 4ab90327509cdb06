import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/env.schema.js';

export interface TestApp {
  app: NestExpressApplication;
  orm: MikroORM;
  http: TestAgent;
  /** Rows in a table, counted with plain SQL outside any request. */
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** `DATABASE_URL` for this app; default a fresh SQLite file in a temp folder. */
  db?: string;
  env?: Record<string, string>;
}

/** A temp folder removed by the returned function. */
export function tempDir(prefix = 'users-service-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Boots the real AppModule (real MikroORM, real SQLite) behind supertest, configured like
 * `main.ts`. Each call gets its own database.
 */
export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const dir = options.db ? undefined : tempDir();
  const url = options.db ?? `sqlite:${join(dir!.path, 'test.sqlite3')}`;
  const config = loadConfig({ NODE_ENV: 'test', ...options.env, DATABASE_URL: url });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false }));
  await app.init();
  const orm: MikroORM = app.get<MikroORM>(MikroORM);
  return {
    app,
    orm,
    http: request(app.getHttpServer()),
    async count(table) {
      const rows = await orm.driver.getConnection().execute<{ n: number }[]>(`select count(*) as n from ${table}`);
      return Number(rows[0].n);
    },
    async close() {
      await app.close();
      dir?.remove();
    },
  };
}
