import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@mikro-orm/nestjs';
import { EntityManager } from '@mikro-orm/sql';
import { NotFoundError } from '../common/errors.js';
import type { Page } from '../common/pagination.js';
import { User } from './user.entity.js';
import { UserRepository } from './user.repository.js';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from './users.schemas.js';

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

  list(query: ListUsersQuery): Promise<Page<User>> {
    const { name, email, ...page } = query;
    return this.users.paginate({ name, email }, page);
  }

  async update(id: number, changes: UpdateUserInput): Promise<User> {
    const user = await this.get(id);
    if (changes.name !== undefined) user.name = changes.name;
    if (changes.email !== undefined) user.email = changes.email;
    await this.em.flush();
    return user;
  }

  async remove(id: number): Promise<void> {
    const user = await this.get(id);
    await this.em.remove(user).flush();
  }
}
