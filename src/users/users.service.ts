import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@mikro-orm/nestjs';
import { OptimisticLockError } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/sql';
import { assertIfMatch, type IfMatch } from '../common/entity-tag.js';
import { NotFoundError, PreconditionFailedError } from '../common/errors.js';
import type { Page, PageRequest } from '../common/pagination.js';
import type { KeysetPage } from '../database/query/find-cursor-page.js';
import { User } from './user.entity.js';
import { UserRepository, type UserFilter } from './user.repository.js';
import { userETag } from './user.view.js';
import type { CreateUserInput, UpdateUserInput } from './users.schemas.js';

/** Reads and writes again after losing a version race without If-Match, at most this often. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * The users' rules and unit of work. The injected EntityManager and repository are singletons
 * that resolve to the current request's fork (MikroORM's RequestContext), so each request
 * works in its own identity map, like the page's `scoped_session`.
 *
 * Uniqueness of name and email is left to the database's unique constraints: they are the
 * only check that holds under concurrent requests and several app instances, and a violation
 * is translated to a 409 naming the field in one place (database/db-errors.ts).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    @InjectRepository(User) private readonly users: UserRepository,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    const user = new User(input.name, input.email);
    await this.em.persist(user).flush();
    return user;
  }

  async get(id: number): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('user');
    return user;
  }

  list(query: UserFilter & PageRequest): Promise<Page<User>> {
    const { name, email, ...page } = query;
    return this.users.paginate({ name, email }, page);
  }

  /** The same list as keyset pages (cursor mode). */
  listByCursor(filter: UserFilter, request: { limit: number; after?: string }): Promise<KeysetPage<User>> {
    return this.users.keysetPage(filter, request);
  }

  /**
   * Applies `changes` if `ifMatch` holds. The flush's UPDATE carries `where version = <read>`
   * (the version column's optimistic lock), so a write that commits between our read and our
   * UPDATE makes ours match no row: then we read again. With an `If-Match` tag the second read
   * fails the check with the new ETag (412), so of two writers holding one ETag exactly one wins.
   * Without one (or with `*`) the client asked for no check: the change is applied to the fresh
   * row, last writer wins, as before versions existed.
   */
  async update(id: number, changes: UpdateUserInput, ifMatch?: IfMatch): Promise<User> {
    for (let attempt = 1; ; attempt++) {
      const user = await this.get(id);
      assertIfMatch(ifMatch, userETag(user));
      if (changes.name !== undefined) user.name = changes.name;
      if (changes.email !== undefined) user.email = changes.email;
      try {
        await this.em.flush();
        return user;
      } catch (error) {
        if (!(error instanceof OptimisticLockError) || attempt === MAX_WRITE_ATTEMPTS) throw error;
        // Drop the stale instance (and its failed change set) so the next read sees the winner's row.
        this.em.clear();
      }
    }
  }

  /**
   * Deletes the user (and, by the foreign key, their posts). With an `If-Match` tag the DELETE
   * itself carries `where version = <read>`: the unit of work's delete checks no version, so it
   * is issued directly, and zero rows deleted means another write came first (412 naming it).
   */
  async remove(id: number, ifMatch?: IfMatch): Promise<void> {
    const user = await this.get(id);
    assertIfMatch(ifMatch, userETag(user));
    if (ifMatch === undefined || ifMatch === '*') {
      await this.em.remove(user).flush();
      return;
    }
    const deleted = await this.users.nativeDelete({ id, version: user.version });
    if (deleted === 0) {
      this.em.clear();
      throw new PreconditionFailedError(userETag(await this.get(id)));
    }
  }
}
