import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@mikro-orm/nestjs';
import { OptimisticLockError } from '@mikro-orm/core';
import { EntityManager, raw } from '@mikro-orm/sql';
import { assertIfMatch, type IfMatch } from '../common/entity-tag.js';
import { NotFoundError, PreconditionFailedError } from '../common/errors.js';
import type { Page, PageRequest } from '../common/pagination.js';
import type { KeysetPage } from '../database/query/find-cursor-page.js';
import { User } from './user.entity.js';
import { UserRepository, type UserFilter } from './user.repository.js';
import { userETag } from './user.view.js';
import type { CreateUserInput, UpdateUserInput } from './users.schemas.js';

/** The fields a PATCH names; an absent one is left as it is. */
function definedChanges(changes: UpdateUserInput): UpdateUserInput {
  const defined: UpdateUserInput = {};
  if (changes.name !== undefined) defined.name = changes.name;
  if (changes.email !== undefined) defined.email = changes.email;
  return defined;
}

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
   * UPDATE makes ours match no row. With an `If-Match` tag that is the client's race to lose: a
   * 412 naming the winner's ETag, so of two writers holding one ETag exactly one wins. Without
   * one (or with `*`) the client asked for no check: the change overwrites the winner's row.
   */
  async update(id: number, changes: UpdateUserInput, ifMatch?: IfMatch): Promise<User> {
    const user = await this.get(id);
    assertIfMatch(ifMatch, userETag(user));
    Object.assign(user, definedChanges(changes));
    try {
      await this.em.flush();
      return user;
    } catch (error) {
      if (!(error instanceof OptimisticLockError)) throw error;
    }
    // Drop the stale instance and its failed change set, so what follows reads the winner's row.
    this.em.clear();
    if (Array.isArray(ifMatch)) throw new PreconditionFailedError(userETag(await this.get(id)));
    return this.overwrite(id, changes);
  }

  /**
   * Last writer wins, for a client that asked for no precondition. One UPDATE without a version
   * condition cannot lose a race, so there is no retry loop that, under contention, would end in
   * a 412 the client never asked for (it did: 183 of ~1000 PATCHes on 10 hot users). The row is
   * read back in the same transaction, which holds its write lock until commit, so the reply and
   * its ETag show this write, not a later one. `updatedAt` and `version` are set by hand: the
   * unit of work's hooks do not run for a native UPDATE.
   */
  private overwrite(id: number, changes: UpdateUserInput): Promise<User> {
    return this.em.transactional(async (em) => {
      const data = { ...definedChanges(changes), updatedAt: new Date(), version: raw('version + 1') };
      const updated = await em.nativeUpdate(User, { id }, data);
      if (updated === 0) throw new NotFoundError('user');
      return em.findOneOrFail(User, { id }, { refresh: true });
    });
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
