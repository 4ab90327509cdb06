import type { EntityName, FilterQuery, FindByCursorOptions } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';

/** One keyset page as the ORM gives it: the items, and MikroORM's own cursor of the last one. */
export interface KeysetPage<T> {
  items: T[];
  /** MikroORM's cursor (base64url JSON of the order-by values) of the last item; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * `limit` items of `entity` after `after` (a cursor this function returned before), in `orderBy`
 * order, with `em.findByCursor`: `WHERE (keyset) > (last seen)` and one item over-fetched to know
 * whether another page follows, so a page deep into the table costs what the first one does and
 * no count runs. `orderBy` must end in a unique column (the id) for the keyset to be total.
 */
export async function findCursorPage<T extends object, P extends string = never>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<NoInfer<T>>,
  request: { limit: number; after?: string },
  options: Pick<FindByCursorOptions<T, P>, 'orderBy' | 'populate' | 'strategy'>,
): Promise<KeysetPage<T>> {
  // The cast only bridges MikroORM's index-hint typing (as in find-page.ts).
  const page = await em.findByCursor(entity, {
    ...options,
    where,
    first: request.limit,
    after: request.after,
    includeCount: false,
  } as never);
  return {
    items: [...page.items] as T[],
    endCursor: page.hasNextPage ? page.endCursor : null,
    hasNextPage: page.hasNextPage,
  };
}
