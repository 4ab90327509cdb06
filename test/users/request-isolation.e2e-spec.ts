import { setTimeout as sleep } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/sql';
import { Controller, Get, Module, Param, ParseIntPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/env.schema.js';
import { User } from '../../src/users/user.entity.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/**
 * A probe route, mounted only in this spec, that looks at the request's unit of work from the
 * inside: it loads its user, changes it WITHOUT flushing, yields so the other requests
 * interleave, then reads a neighbour and reports what its own fork holds.
 */
@Controller('probe')
class ProbeController {
  constructor(private readonly em: EntityManager) {}

  @Get(':id')
  async probe(@Param('id', ParseIntPipe) id: number) {
    const fork = this.em.getContext();
    const user = await this.em.findOneOrFail(User, id);
    user.name = `pending-${id}`; // an unflushed change, visible only to this fork
    await sleep(Math.random() * 10);
    const neighbourId = (id % 100) + 1;
    const neighbour = await this.em.findOneOrFail(User, neighbourId);
    const again = await this.em.findOneOrFail(User, id);
    return {
      forkId: fork.id,
      neighbourName: neighbour.name,
      sameInstance: again === user,
      identityMapSize: fork.getUnitOfWork().getIdentityMap().values().length,
    };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

let app: NestExpressApplication;
let orm: MikroORM;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config), ProbeModule] }).compile();
  app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false }));
  await app.init();
  orm = app.get<MikroORM>(MikroORM);
  const http = request(app.getHttpServer());
  for (let i = 1; i <= 100; i++)
    await http
      .post('/users')
      .send({ name: `user${i}`, email: `u${i}@x` })
      .expect(201);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const globalIdentityMapSize = () => orm.em.getUnitOfWork(false).getIdentityMap().values().length;

describe('a unit of work per request (the scoped_session of the Flask page)', () => {
  it("gives 100 concurrent requests 100 forks that never see each other's entities or unflushed changes", async () => {
    const http = request(app.getHttpServer());
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => http.get(`/probe/${i + 1}`).expect(200)));
    const bodies = results.map((r) => r.body);

    expect(new Set(bodies.map((b) => b.forkId)).size).toBe(100);
    for (const body of bodies) {
      expect(body.neighbourName).not.toMatch(/^pending-/); // another request's change never leaks
      expect(body.sameInstance).toBe(true); // one instance per row within a request
      expect(body.identityMapSize).toBe(2); // its own user and the neighbour, nothing else
    }
    // Nothing was flushed, so the database still has the original names.
    const rows = await orm.driver
      .getConnection()
      .execute<{ n: number }[]>(`select count(*) as n from users where name like 'pending-%'`);
    expect(Number(rows[0].n)).toBe(0);
    expect(globalIdentityMapSize()).toBe(0);
  });

  it('applies 100 concurrent PATCHes of different users, each exactly to its own row', async () => {
    const http = request(app.getHttpServer());
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        http
          .patch(`/users/${i + 1}`)
          .send({ name: `renamed${i + 1}` })
          .expect(200),
      ),
    );
    const rows = await orm.driver
      .getConnection()
      .execute<{ id: number; name: string; email: string }[]>('select id, name, email from users order by id');
    expect(rows).toHaveLength(100);
    for (const row of rows) {
      expect(row.name).toBe(`renamed${row.id}`);
      expect(row.email).toBe(`u${row.id}@x`);
    }
    expect(globalIdentityMapSize()).toBe(0);
  });

  it('does not grow any identity map across requests', async () => {
    const http = request(app.getHttpServer());
    for (let i = 1; i <= 50; i++) {
      const res = await http.get(`/probe/${i}`).expect(200);
      expect(res.body.identityMapSize).toBe(2);
    }
    expect(globalIdentityMapSize()).toBe(0);
  });
});
