import { z } from 'zod';
import { integerParam } from './schemas.js';

/** The deepest page a client may ask for: past it, OFFSET scans are a denial of service. */
export const PAGE_MAX = 1_000_000;
/** The most items one page holds. */
export const PER_PAGE_MAX = 100;

/** `?page=&perPage=` as every list route accepts it. */
export const PageQuerySchema = z.object({
  page: integerParam({ max: PAGE_MAX, description: `Page number, 1–${PAGE_MAX} (default 1)`, example: 1 }).default(1),
  perPage: integerParam({
    max: PER_PAGE_MAX,
    description: `Items per page, 1–${PER_PAGE_MAX} (default 20)`,
    example: 20,
  }).default(20),
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

/**
 * The schema of a page of `item`, named `id` in the OpenAPI document's components
 * (`UserPage`, `PostPage`, …) so generated clients get a type of that name.
 */
export function pageSchema<T extends z.ZodType>(item: T, id: string, example: z.input<T>) {
  return z
    .object({
      items: z.array(item).describe('The items of this page, at most `perPage`'),
      page: z.int().min(1).describe('This page, from 1'),
      perPage: z.int().min(1).max(PER_PAGE_MAX).describe('Items per page'),
      total: z.int().min(0).describe('Items on all pages'),
      pages: z.int().min(0).describe('Pages in all (0 when there are no items)'),
    })
    .meta({
      id,
      description: "One page and where it stands in the whole (Flask-SQLAlchemy's Pagination)",
      examples: [{ items: [example], page: 1, perPage: 20, total: 1, pages: 1 }],
    });
}
