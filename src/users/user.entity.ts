import { inspect } from 'node:util';
import { EntityRepositoryType, type Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { UserRepository } from './user.repository.js';

/** Column limits, shared by the entity and the request schemas so they cannot drift apart. */
export const USER_NAME_MAX = 50;
export const USER_EMAIL_MAX = 120;

/**
 * The declarative way of the Flask page (`class User(Base)`): table and class in one place,
 * described by decorators. Types are spelled out because MikroORM 7 no longer reads them
 * from `reflect-metadata`.
 */
@Entity({ tableName: 'users', repository: () => UserRepository })
export class User {
  [EntityRepositoryType]?: UserRepository;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: USER_NAME_MAX, unique: true })
  name: string;

  @Property({ type: 'string', length: USER_EMAIL_MAX, unique: true })
  email: string;

  @Property({ type: 'Date', onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  /**
   * Bumped by every UPDATE the unit of work issues, and checked in that same statement
   * (`where id = ? and version = ?`): MikroORM's optimistic lock. The ETag is made of it.
   */
  @Property({ type: 'integer', version: true })
  version!: number & Opt;

  constructor(name: string, email: string) {
    this.name = name;
    this.email = email;
  }

  /** `User { id: 1, name: 'admin' }` in a console or the REPL, like the page's `__repr__`. */
  [inspect.custom](): string {
    return `User { id: ${inspect(this.id)}, name: ${inspect(this.name)} }`;
  }
}
