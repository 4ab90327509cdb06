import { Injectable } from '@nestjs/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/sql';
import { DuplicateError } from '../common/errors.js';
import { User } from './user.entity.js';
import type { CreateUserInput } from './users.schemas.js';

/**
 * Creates many users all or nothing. The unit of work collects every new user and flushes them
 * in one transaction with multi-row INSERTs (MikroORM's batching), not one round trip per row;
 * any failure rolls the whole batch back.
 */
@Injectable()
export class UsersBulkService {
  constructor(private readonly em: EntityManager) {}

  async createMany(items: CreateUserInput[]): Promise<User[]> {
    await this.rejectDuplicates(items);
    const users = items.map((item) => new User(item.name, item.email));
    try {
      await this.em.transactional(async (em) => {
        em.persist(users);
        await em.flush();
      });
    } catch (error) {
      // Another request took a name or email between our check and the insert: name the
      // offender as the check would have. The batch is already rolled back.
      if (error instanceof UniqueConstraintViolationException) await this.rejectDuplicates(items);
      throw error;
    }
    return users;
  }

  /**
   * Throws a `DuplicateError` naming the index and field of the first item whose name or email
   * is taken, in the database or by an earlier item of the same batch (name checked first).
   */
  private async rejectDuplicates(items: CreateUserInput[]): Promise<void> {
    const taken = await this.em
      .createQueryBuilder(User)
      .select(['name', 'email'])
      .where({ $or: [{ name: { $in: items.map((i) => i.name) } }, { email: { $in: items.map((i) => i.email) } }] })
      .execute<{ name: string; email: string }[]>('all');
    const names = new Set(taken.map((row) => row.name));
    const emails = new Set(taken.map((row) => row.email));
    for (const [index, item] of items.entries()) {
      if (names.has(item.name)) throw new DuplicateError('name', index);
      if (emails.has(item.email)) throw new DuplicateError('email', index);
      names.add(item.name);
      emails.add(item.email);
    }
  }
}
