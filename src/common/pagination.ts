import { z } from 'zod';
import { positiveIntString } from './schemas.js';
import { RequestValidationError } from './validation.js';

/** Page mode's defaults, when neither `page`/`perPage` nor `limit`/`cursor` is given. */
const DEFAULT_PAGE = 1;
const DEFAULT_PER_PAGE = 20;

/**
 * What every list route accepts: page mode (`?page=&perPage=`, with a total) or cursor mode
 * (`?limit=`, then `?cursor=<nextCursor>&limit=`, keyset pages without a count). No defaults in
 * the schema itself: `listRequest` must see which ones the client gave to refuse a mix.
 */
export const PageQuerySchema = z.object({
  page: positiveIntString({ max: 1_000_000, description: 'Page mode: page number, from 1 (default 1)' }).optional(),
  perPage: positiveIntString({ max: 100, description: 'Page mode: items per page, 1–100 (default 20)' }).optional(),
  limit: positiveIntString({
    max: 100,
    description: 'Cursor mode: items per page, 1–100; alone it starts at the first item (default 20 with cursor)',
  }).optional(),
  cursor: z
    .string()
    .max(1000, 'not a cursor of this list')
    .optional()
    .describe('Cursor mode: the `nextCursor` of the previous page, unchanged'),
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

/** The JSON schema of a cursor page of `item`, for the OpenAPI document. */
export function cursorPageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
    hasNextPage: z.boolean(),
  });
}
