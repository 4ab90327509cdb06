import { z } from 'zod';
import { positiveIntString } from './schemas.js';

/** `?page=&perPage=` as every list route accepts it. */
export const PageQuerySchema = z.object({
  page: positiveIntString({ max: 1_000_000, description: 'Page number, from 1' }).default(1),
  perPage: positiveIntString({ max: 100, description: 'Items per page, 1–100' }).default(20),
});

export type PageRequest = z.output<typeof PageQuerySchema>;

/** Flask-SQLAlchemy's Pagination: the items of one page and where it stands in the whole. */
export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
  pages: number;
}

export function pageOf<T>(items: T[], total: number, request: PageRequest): Page<T> {
  return {
    items,
    page: request.page,
    perPage: request.perPage,
    total,
    pages: Math.ceil(total / request.perPage),
  };
}

/** The same page with each item turned into its JSON view. */
export function mapPage<T, V>(page: Page<T>, view: (item: T) => V): Page<V> {
  return { ...page, items: page.items.map(view) };
}

/** The JSON schema of a page of `item`, for the OpenAPI document. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int(),
    perPage: z.number().int(),
    total: z.number().int(),
    pages: z.number().int(),
  });
}
