import { MikroORM } from '@mikro-orm/core';
import { EntityManager, raw } from '@mikro-orm/sql';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appOrmSettings } from '../app-orm.js';
import { DuplicateError, NotFoundError, PreconditionFailedError } from '../common/errors.js';
import { DatabaseModule } from '../database/database.module.js';
import { inOwnContext } from '../database/orm/own-context.js';
import { parseDatabaseUrl } from '../config/database-url.js';
import { translateDbError } from '../database/errors.js';
import { User } from './user.entity.js';
import { UserRepository } from './user.repository.js';
import { UsersModule } from './users.module.js';
import { UsersService } from './users.service.js';

let moduleRef: TestingModule;
let orm: MikroORM;
let service: UsersService;

beforeEach(async () => {
  moduleRef = await Test.createTestingModule({
    imports: [
      DatabaseModule.forRoot({
        ...appOrmSettings({ database: parseDatabaseUrl('sqlite::memory:') }),
        createSchemaIfEmpty: true,
      }),
      UsersModule,
    ],
  }).compile();
  await moduleRef.init();
  orm = moduleRef.get(MikroORM);
  service = moduleRef.get(UsersService);
});
afterEach(() => moduleRef.close());

const run = <T>(work: () => Promise<T>) => inOwnContext(orm, work);

describe('UsersService on the real ORM', () => {
  it('creates a user and finds it again in another unit of work', async () => {
    const created = await run(() => service.create({ name: 'admin', email: 'admin@localhost' }));
    expect(created.id).toBeGreaterThan(0);
    const found = await run(() => service.get(created.id));
    expect(found).not.toBe(created);
    expect(found).toMatchObject({ id: created.id, name: 'admin', email: 'admin@localhost' });
    expect(found.createdAt).toBeInstanceOf(Date);
  });

  it('raises NotFoundError for a missing id, including ids past the column range', async () => {
    await expect(run(() => service.get(42))).rejects.toBeInstanceOf(NotFoundError);
    await expect(run(() => service.get(2 ** 40))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets the unique constraint decide duplicates, translated to the field that collided', async () => {
    await run(() => service.create({ name: 'a', email: 'a@x' }));
    const byName = await run(() => service.create({ name: 'a', email: 'b@x' })).catch((e: unknown) => e);
    const byEmail = await run(() => service.create({ name: 'b', email: 'a@x' })).catch((e: unknown) => e);
    expect(translateDbError(byName)).toEqual(new DuplicateError('name'));
    expect(translateDbError(byEmail)).toEqual(new DuplicateError('email'));
  });

  it('updates through the unit of work: a changed entity is flushed, updatedAt moves', async () => {
    const user = await run(() => service.create({ name: 'old', email: 'o@x' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = await run(() => service.update(user.id, { name: 'new' }));
    const reread = await run(() => service.get(user.id));
    expect(reread.name).toBe('new');
    expect(reread.email).toBe('o@x');
    expect(updated.updatedAt.getTime()).toBeGreaterThan(user.updatedAt.getTime());
  });

  it('removes a user', async () => {
    const user = await run(() => service.create({ name: 'gone', email: 'g@x' }));
    await run(() => service.remove(user.id));
    await expect(run(() => service.get(user.id))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists pages ordered by id with Flask-SQLAlchemy pagination figures', async () => {
    for (let i = 1; i <= 5; i++) await run(() => service.create({ name: `u${i}`, email: `u${i}@x` }));
    const page = await run(() => service.list({ page: 2, perPage: 2 }));
    expect(page.items.map((u) => u.name)).toEqual(['u3', 'u4']);
    expect(page).toMatchObject({ page: 2, perPage: 2, total: 5, pages: 3 });
  });
});

describe('UsersService.update when another write lands between its read and its UPDATE', () => {
  /**
   * Commits `write` from another unit of work as each of our next `times` flushes begins (after
   * our read). Not inside a transaction: on SQLite's one connection it would wait for ours.
   */
  function race(write: (em: EntityManager) => Promise<unknown>, times = 1): void {
    orm.em.getEventManager().registerSubscriber({
      beforeFlush: async ({ em }) => {
        if (times === 0 || em.isInTransaction()) return;
        times--;
        await write(orm.em.fork() as EntityManager);
      },
    });
  }
  const winner = (id: number) => (em: EntityManager) =>
    em.nativeUpdate(User, { id }, { email: 'winner@x', version: raw('version + 1') });

  it("without If-Match: our change overwrites the winner's row, keeps its other fields, one version past it", async () => {
    const user = await run(() => service.create({ name: 'old', email: 'o@x' }));
    race(winner(user.id));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = await run(() => service.update(user.id, { name: 'mine' }));
    expect(updated).toMatchObject({ name: 'mine', email: 'winner@x', version: 3 });
    const reread = await run(() => service.get(user.id));
    expect(reread).toMatchObject({ name: 'mine', email: 'winner@x', version: 3 });
    // The native UPDATE sets what the unit of work's onUpdate hook would have.
    expect(reread.updatedAt.getTime()).toBeGreaterThan(user.updatedAt.getTime());
    expect(reread.updatedAt.getTime()).toBe(updated.updatedAt.getTime());
  });

  it("with If-Match: 412 naming the winner's ETag, and our change is not written", async () => {
    const user = await run(() => service.create({ name: 'old', email: 'o@x' }));
    race(winner(user.id));
    const error = await run(() => service.update(user.id, { name: 'mine' }, [`"u${user.id}-v1"`])).catch(
      (e: unknown) => e,
    );
    expect(error).toEqual(new PreconditionFailedError(`"u${user.id}-v2"`));
    expect(await run(() => service.get(user.id))).toMatchObject({ name: 'old', email: 'winner@x', version: 2 });
  });

  it('without If-Match, losing the race on every read still writes: no 412 the client never asked for', async () => {
    const user = await run(() => service.create({ name: 'old', email: 'o@x' }));
    race(winner(user.id), 10);
    const updated = await run(() => service.update(user.id, { name: 'mine' }));
    expect(updated).toMatchObject({ name: 'mine', email: 'winner@x' });
    expect(await run(() => service.get(user.id))).toMatchObject({ name: 'mine', version: updated.version });
  });

  it('without If-Match, when the winner deleted the user: 404, nothing re-created', async () => {
    const user = await run(() => service.create({ name: 'old', email: 'o@x' }));
    race((em) => em.nativeDelete(User, { id: user.id }));
    await expect(run(() => service.update(user.id, { name: 'mine' }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(run(() => service.get(user.id))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("UserRepository (the seed's User.query)", () => {
  it('finds by name, by email case-insensitively, and paginates with filters', async () => {
    await run(() => service.create({ name: 'admin', email: 'admin@localhost' }));
    await run(async () => {
      const repo = moduleRef.get(EntityManager).getRepository(User);
      expect(repo).toBeInstanceOf(UserRepository);
      expect((await repo.findByName('admin'))?.email).toBe('admin@localhost');
      expect((await repo.findByEmail('ADMIN@LocalHost'))?.name).toBe('admin');
      expect(await repo.findByName('nobody')).toBeNull();
      const page = await repo.paginate({ email: 'Admin@localhost' }, { page: 1, perPage: 20 });
      expect(page.total).toBe(1);
    });
  });

  it("prints a user like the page's __repr__", async () => {
    const user = await run(() => service.create({ name: 'admin', email: 'admin@localhost' }));
    const { inspect } = await import('node:util');
    expect(inspect(user)).toBe(`User { id: ${user.id}, name: 'admin' }`);
  });
});
