import type { EntityName, FilterQuery, FindOptions } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { pageOf, type Page, type PageRequest } from '../../common/pagination.js';

/**
 * One page of `entity` and the total count, as `em.findAndCount` gives them, but with the two
 * statements run one after the other instead of in parallel. On PostgreSQL the parallel form
 * holds two pooled connections per request, and when one of its queries fails the other one's
 * connection was seen to stay checked out for good (an app closed right after such a 500 never
 * finished closing its pool). Sequential costs one round trip more and half the connections.
 */
export async function findPage<T extends object, P extends string = never>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<NoInfer<T>>,
  request: PageRequest,
  options: Omit<FindOptions<T, P>, 'limit' | 'offset'> = {},
): Promise<Page<T>> {
  const total = await em.count(entity, where);
  // The cast only bridges MikroORM's index-hint typing of find(); `where` is the same filter count() took.
  const items = await em.find(
    entity,
    where as never,
    {
      ...options,
      limit: request.perPage,
      offset: (request.page - 1) * request.perPage,
    } as FindOptions<T, P>,
  );
  return pageOf(items as T[], total, request);
}
