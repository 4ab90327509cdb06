import { PreconditionFailedError, PreconditionRequiredError } from './errors.js';

/**
 * What an `If-Match` header asks for (RFC 9110 §13.1.1): `*` (the resource exists, whatever its
 * version) or a list of entity tags, one of which must be the current one.
 */
export type IfMatch = '*' | string[];

/** A strong validator made of what identifies a row and its version: `"u12-v3"`. */
export function entityTag(kind: string, id: number, version: number): string {
  return `"${kind}${id}-v${version}"`;
}

/** `"a", W/"b"` → `['"a"', 'W/"b"']`; `*` → `'*'`; absent or blank → undefined. */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (value === '*') return '*';
  return value.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * The `If-Match` of a write, or a 428 when the server requires one (`REQUIRE_IF_MATCH=1`) and the
 * client sent none: without it, two clients writing the same row silently overwrite each other.
 */
export function readIfMatch(header: string | undefined, required: boolean): IfMatch | undefined {
  const condition = parseIfMatch(header);
  if (condition === undefined && required) {
    throw new PreconditionRequiredError('this write needs If-Match: the ETag of the version it changes');
  }
  return condition;
}

/**
 * Throws a 412 naming `current` unless the condition holds. If-Match compares strongly: a weak
 * tag (`W/"…"`) never matches, as the RFC has it.
 */
export function assertIfMatch(condition: IfMatch | undefined, current: string): void {
  if (condition === undefined || condition === '*') return;
  if (!condition.includes(current)) throw new PreconditionFailedError(current);
}
