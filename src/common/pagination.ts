import { z } from 'zod';
import { integerParam } from './schemas.js';
import { RequestValidationError } from './validation.js';

/** The deepest page a client may ask for: past it, OFFSET scans are a denial of service. */
export const PAGE_MAX = 1_000_000;
/** The most items one page holds (page mode's `perPage`, cursor mode's `limit`). */
export const PER_PAGE_MAX = 100;
/** The longest text taken as a cursor: longer is not one of ours. */
export const CURSOR_MAX_LENGTH = 1000;

/** Page mode's defaults, when neither `page`/`perPage` nor `limit`/`cursor` is given. */
const DEFAULT_PAGE = 1;
const DEFAULT_PER_PAGE = 20;

/**
 * What every list route accepts: page mode (`?page=&perPage=`, with a total) or cursor mode
 * (`?limit=`, then `?cursor=<nextCursor>&limit=`, keyset pages without a count). No defaults in
 * the schema itself: `listRequest` must see which ones the client gave to refuse a mix.
 */
export const PageQuerySchema = z.object({
  page: integerParam({
    max: PAGE_MAX,
    description: `Page mode: page number, 1–${PAGE_MAX} (default 1)`,
    example: 1,
  }).optional(),
  perPage: integerParam({
    max: PER_PAGE_MAX,
    description: `Page mode: items per page, 1–${PER_PAGE_MAX} (default 20)`,
    example: 20,
  }).optional(),
  // No example: Swagger UI's Try it out fills every example in, and `limit` beside the page
  // mode's `page`/`perPage` is a 400.
  limit: integerParam({
    max: PER_PAGE_MAX,
    description: `Cursor mode: items per page, 1–${PER_PAGE_MAX}; alone it starts at the first item (default 20 with cursor)`,
  }).optional(),
  cursor: z
    .string()
    .max(CURSOR_MAX_LENGTH, 'not a cursor of this list')
    .optional()
    .describe('Cursor mode: the `nextCursor` of the previous page, unchanged (opaque)'),
});

export type PageQuery = z.output<typeof PageQuerySchema>;

export interface PageRequest {
  page: number;
  perPage: number;
}

/** A cursor page asked for: how many items, after which one (the cursor, still sealed). */
export interface CursorRequest {
  limit: number;
  cursor?: string;
}

export type ListRequest = { mode: 'page'; page: PageRequest } | { mode: 'cursor'; cursor: CursorRequest };

/** Which mode the query asks for; a 400 for `limit`/`cursor` together with `page`/`perPage`. */
export function listRequest(query: PageQuery): ListRequest {
  const cursorMode = query.limit !== undefined || query.cursor !== undefined;
  if (cursorMode && (query.page !== undefined || query.perPage !== undefined)) {
    throw new RequestValidationError([
      { path: 'limit', message: 'limit/cursor (cursor pages) cannot be combined with page/perPage (numbered pages)' },
    ]);
  }
  if (cursorMode) return { mode: 'cursor', cursor: { limit: query.limit ?? DEFAULT_PER_PAGE, cursor: query.cursor } };
  return { mode: 'page', page: { page: query.page ?? DEFAULT_PAGE, perPage: query.perPage ?? DEFAULT_PER_PAGE } };
}

/**
 * A keyset page: the items after the cursor, and the cursor of the next page (`null` on the
 * last). No total: counting is what makes deep pages slow.
 */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
  hasNextPage: boolean;
}

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

/**
 * The schema of a keyset page of `item`, named `id` in the OpenAPI document's components
 * (`UserCursorPage`, `PostCursorPage`, …) so generated clients get a type of that name.
 */
export function cursorPageSchema<T extends z.ZodType>(item: T, id: string, example: z.input<T>) {
  return z
    .object({
      items: z.array(item).describe('The items of this page, at most `limit`'),
      nextCursor: z
        .string()
        .nullable()
        .describe('Pass as `cursor` (with `limit`) for the next page; null on the last page'),
      hasNextPage: z.boolean().describe('Whether a next page exists (false exactly when `nextCursor` is null)'),
    })
    .meta({
      id,
      description:
        'One keyset page (cursor mode): the items after the cursor and the cursor of the next page; no total',
      examples: [{ items: [example], nextCursor: 'eyJpZCI6MX0.3q2-7wAAAAAAAAAAAAAAAA', hasNextPage: true }],
    });
}
