import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CursorPage, CursorRequest } from '../common/pagination.js';
import { RequestValidationError } from '../common/validation.js';
import type { KeysetPage } from '../database/query/find-cursor-page.js';

/** Where the list's cursors are valid: the route and its filters, e.g. `users?name=ann`. */
export type CursorScope = string;

const SIGNATURE_BYTES = 16;

/**
 * Cursors as clients see them: `<keyset>.<signature>`, where the keyset is MikroORM's cursor
 * (base64url JSON of the last item's order-by values) and the signature an HMAC-SHA256 of the
 * list's scope and that keyset. So a cursor is opaque to clients in the only way that matters
 * (they cannot make one up or edit one without a 400), and one list's cursor cannot continue
 * another list or another filter. Every instance configured with the same secret (see
 * CURSOR_SECRET in env.schema.ts) accepts the others' cursors.
 */
export class CursorPages {
  /** A KeyObject made once: building one from raw bytes on every request was 5% of a deep cursor page. */
  private readonly secret: KeyObject;

  /** `secret`: CURSOR_SECRET or its derived default; a random one when none is given (specs). */
  constructor(secret?: string) {
    this.secret = createSecretKey(secret === undefined ? randomBytes(32) : Buffer.from(secret));
  }

  /** Opens the request's cursor, fetches the page after it, and seals the next page's cursor. */
  async page<T, V>(
    scope: CursorScope,
    request: CursorRequest,
    fetch: (page: { limit: number; after?: string }) => Promise<KeysetPage<T>>,
    view: (item: T) => V,
  ): Promise<CursorPage<V>> {
    const after = request.cursor === undefined ? undefined : this.open(scope, request.cursor);
    const page = await fetch({ limit: request.limit, after });
    return {
      items: page.items.map(view),
      nextCursor: page.endCursor === null ? null : this.seal(scope, page.endCursor),
      hasNextPage: page.hasNextPage,
    };
  }

  seal(scope: CursorScope, keyset: string): string {
    return `${keyset}.${this.sign(scope, keyset).toString('base64url')}`;
  }

  /** The keyset of a cursor this list sealed; a 400 for anything else (edited, foreign, made up). */
  open(scope: CursorScope, cursor: string): string {
    const [keyset, signature, ...rest] = cursor.split('.');
    const given = Buffer.from(signature ?? '', 'base64url');
    const expected = this.sign(scope, keyset);
    if (rest.length > 0 || !keyset || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new RequestValidationError([
        { path: 'cursor', message: 'not a cursor of this list: start again with limit' },
      ]);
    }
    return keyset;
  }

  private sign(scope: CursorScope, keyset: string): Buffer {
    return createHmac('sha256', this.secret).update(`${scope}\0${keyset}`).digest().subarray(0, SIGNATURE_BYTES);
  }
}
