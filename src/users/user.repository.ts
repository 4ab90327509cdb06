import { EntityRepository } from '@mikro-orm/sql';
import type { Page, PageRequest } from '../common/pagination.js';
import { findCursorPage, type KeysetPage } from '../database/query/find-cursor-page.js';
import { findPage } from '../database/query/find-page.js';
import { findByPrimaryKey } from '../database/query/primary-key-lookup.js';
import type { User } from './user.entity.js';

/** Filters of the users list; both match exactly (email is stored lower-cased). */
export interface UserFilter {
  name?: string;
  email?: string;
}

/** The largest id a 32-bit integer column holds (PostgreSQL `integer`); nothing lies beyond it. */
const MAX_ID = 2_147_483_647;

const BY_ID = { id: 'asc' } as const;

function whereOf(filter: UserFilter) {
  return {
    ...(filter.name !== undefined ? { name: filter.name } : {}),
    ...(filter.email !== undefined ? { email: filter.email.toLowerCase() } : {}),
  };
}

/** The page's `User.query`: the lookups the service needs, nothing generic. */
export class UserRepository extends EntityRepository<User> {
  /** The hot path of every `/users/:id` route: identity map first, then one cached statement (see primary-key-lookup.ts). */
  findById(id: number): Promise<User | null> {
    if (id > MAX_ID) return Promise.resolve(null);
    return findByPrimaryKey(this.getEntityManager(), this.entityName, id);
  }

  findByName(name: string): Promise<User | null> {
    return this.findOne({ name });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.findOne({ email: email.toLowerCase() });
  }

  /** One page ordered by id, with the total count (Flask-SQLAlchemy's `paginate`). */
  async paginate(filter: UserFilter, request: PageRequest): Promise<Page<User>> {
    return findPage(this.getEntityManager(), this.entityName, whereOf(filter), request, { orderBy: BY_ID });
  }

  /** The same list in the same order, as keyset pages (`id > last seen`), without a count. */
  keysetPage(filter: UserFilter, request: { limit: number; after?: string }): Promise<KeysetPage<User>> {
    return findCursorPage(this.getEntityManager(), this.entityName, whereOf(filter), request, { orderBy: BY_ID });
  }
}
