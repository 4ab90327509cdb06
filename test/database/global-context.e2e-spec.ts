import { join } from 'node:path';
import { MikroORM, RequestContext, type Options } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/sql';
import { inOwnContext } from '../../src/database/orm/own-context.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tapStatements } from '../../src/observability/request-db-stats.js';
import { PostsService } from '../../src/posts/posts.service.js';
import { User } from '../../src/users/user.entity.js';
import { UsersService } from '../../src/users/users.service.js';
import { cli } from '../helpers/cli-run.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startApp, tempDir, type TestApp } from '../helpers/test-app.js';

const GLOBAL_CONTEXT_ERROR = /Using global EntityManager instance methods for context specific actions is disallowed/;

/** The environments the app is built for; production also needs a token decision and migrations. */
const APP_ENVS: Record<string, Record<string, string>> = {
  development: { NODE_ENV: 'development' },
  test: { NODE_ENV: 'test' },
  production: { NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1' },
};

let t: TestApp | undefined;
let savedEnv: string | undefined;
beforeEach(() => {
  // MikroORM reads MIKRO_ORM_* variables too: this one must not be able to switch the guard off.
  savedEnv = process.env.MIKRO_ORM_ALLOW_GLOBAL_CONTEXT;
  process.env.MIKRO_ORM_ALLOW_GLOBAL_CONTEXT = 'true';
});
afterEach(async () => {
  if (savedEnv === undefined) delete process.env.MIKRO_ORM_ALLOW_GLOBAL_CONTEXT;
  else process.env.MIKRO_ORM_ALLOW_GLOBAL_CONTEXT = savedEnv;
  await t?.close();
  t = undefined;
});

/** Calls `work` and collects the statements that ran outside any request context. */
async function statementsOutsideContexts(work: () => Promise<unknown>): Promise<{ all: number; outside: string[] }> {
  const outside: string[] = [];
  let all = 0;
  const untap = tapStatements((sql) => {
    all++;
    if (RequestContext.currentRequestContext() === undefined) outside.push(sql);
  });
  try {
    await work();
  } finally {
    untap();
  }
  return { all, outside };
}

describe('allowGlobalContext stays off', () => {
  it.each(Object.keys(APP_ENVS))(
    'in the app built for %s: app code on the global EntityManager throws',
    async (name) => {
      t = await startApp({ env: APP_ENVS[name] });
      expect(t.orm.config.get('allowGlobalContext')).toBe(false);
      // Services called outside a request (a timer, a queue consumer, a stray await) fail loudly.
      await expect(t.app.get(UsersService).get(1)).rejects.toThrow(GLOBAL_CONTEXT_ERROR);
      await expect(t.app.get(UsersService).list({ page: 1, perPage: 5 })).rejects.toThrow(GLOBAL_CONTEXT_ERROR);
      await expect(t.app.get(PostsService).listAll({ page: 1, perPage: 5 })).rejects.toThrow(GLOBAL_CONTEXT_ERROR);
      expect(() => t!.app.get(EntityManager).persist(new User('a', 'a@b'))).toThrow(GLOBAL_CONTEXT_ERROR);
      await expect(t.orm.em.find(User, {})).rejects.toThrow(GLOBAL_CONTEXT_ERROR);
      // ... and the same call inside a request context works.
      await expect(
        inOwnContext(t.orm, () => t!.app.get(UsersService).list({ page: 1, perPage: 5 })),
      ).resolves.toMatchObject({ total: 0 });
    },
  );

  it('in the CLI configuration (mikro-orm.config.ts)', async () => {
    const dir = tempDir();
    const before = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `sqlite:${join(dir.path, 'cli.sqlite3')}`;
    try {
      const options = (await import('../../mikro-orm.config.js')).default as Options;
      expect(options.allowGlobalContext).toBe(false);
      const orm = await MikroORM.init(options);
      try {
        expect(orm.config.get('allowGlobalContext')).toBe(false);
        await expect(orm.em.find(User, {})).rejects.toThrow(GLOBAL_CONTEXT_ERROR);
      } finally {
        await orm.close();
      }
    } finally {
      if (before === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = before;
      dir.remove();
    }
  });
});

describe('every entry point works in a request context of its own', () => {
  it.each(Object.keys(APP_ENVS))(
    'the app built for %s: start-up, requests and shutdown run no statement outside one',
    async (name) => {
      const { all, outside } = await statementsOutsideContexts(async () => {
        const app = await startApp({ env: APP_ENVS[name] });
        try {
          const id = (await app.http.post('/users').send({ name: 'ann', email: 'ann@x' }).expect(201)).body
            .id as number;
          await app.http.post(`/users/${id}/posts`).send({ title: 't', body: 'b' }).expect(201);
          await app.http.get('/posts').expect(200);
          await app.http.get('/users/export').expect(200);
          await app.http.get('/health').expect(200);
        } finally {
          await app.close();
        }
      });
      expect(all).toBeGreaterThan(10);
      expect(outside).toEqual([]);
    },
  );

  it('CLI commands (schema, seed, db:inspect, migrations) run no statement outside one', async () => {
    const db: TestDatabase = await createTestDatabase();
    try {
      const { all, outside } = await statementsOutsideContexts(async () => {
        for (const argv of [
          ['schema:create'],
          ['seed', '--users', '3', '--posts', '4'],
          ['db:inspect'],
          ['migration:list'],
          ['schema:update', '--dry-run'],
        ]) {
          const { code, stderr } = await cli(argv, db.url);
          expect({ argv, code, stderr }).toEqual({ argv, code: 0, stderr: '' });
        }
      });
      expect(all).toBeGreaterThan(10);
      expect(outside).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
