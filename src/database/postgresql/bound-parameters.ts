import { isRaw, JsonProperty, Utils } from '@mikro-orm/core';
import type { PostgreSqlPlatform } from '@mikro-orm/postgresql';

/** A statement in PostgreSQL's own form: `$1`, `$2` … in the text, the values beside it. */
export interface PositionalQuery {
  sql: string;
  values: unknown[];
}

/**
 * MikroORM's `?` statement as PostgreSQL bound parameters, or undefined when a value is of a kind
 * this does not know how to bind the way MikroORM would have inlined it (the caller then keeps
 * MikroORM's own path).
 *
 * The text is scanned exactly as `Platform.formatQuery` scans it, so the same characters become
 * parameters: `??` is an identifier (quoted into the text, as there), `\?` a literal question
 * mark (the jsonb operators), every other `?` the next value. Each value is what MikroORM would
 * have written as a literal, passed as a value instead: a Date as the platform formats it, a JSON
 * object as its JSON text, an array (an `in (?)` list) as one parameter per element, a raw SQL
 * fragment inlined (it is SQL by construction). Parameters go untyped (`unknown`), so PostgreSQL
 * infers each from its context just as it does for a quoted literal.
 */
export function toPositional(
  platform: PostgreSqlPlatform,
  sql: string,
  params: readonly unknown[],
): PositionalQuery | undefined {
  const values: unknown[] = [];
  let text = '';
  let next = 0;
  let from = 0;
  for (let at = sql.indexOf('?'); at !== -1; at = sql.indexOf('?', from)) {
    if (at > 0 && sql[at - 1] === '\\') {
      text += sql.slice(from, at - 1) + '?';
      from = at + 1;
      continue;
    }
    if (next >= params.length) return undefined;
    if (sql[at + 1] === '?') {
      text += sql.slice(from, at) + platform.quoteIdentifier(params[next++] as string);
      from = at + 2;
      continue;
    }
    const placeholder = bind(platform, params[next++], values);
    if (placeholder === undefined) return undefined;
    text += sql.slice(from, at) + placeholder;
    from = at + 1;
  }
  if (next !== params.length) return undefined;
  return { sql: text + sql.slice(from), values };
}

/** Appends `value` to `values` and returns its placeholder(s); undefined when it cannot bind. */
function bind(platform: PostgreSqlPlatform, value: unknown, values: unknown[]): string | undefined {
  if (isRaw(value)) return platform.formatQuery(value.sql, value.params);
  if (Array.isArray(value) && !isJsonValue(value)) {
    if (value.length === 0) return undefined;
    const parts: string[] = [];
    for (const item of value as unknown[]) {
      const part = bind(platform, item, values);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return parts.join(', ');
  }
  const bound = postgresValue(platform, value);
  if (bound === undefined) return undefined;
  values.push(bound);
  return `$${values.length}`;
}

/**
 * A value as `pg` should send it so that PostgreSQL reads what MikroORM's literal would have
 * said; undefined for a kind MikroORM does not write as a literal value.
 */
export function postgresValue(platform: PostgreSqlPlatform, value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return platform.formatDate(value);
  if (Buffer.isBuffer(value)) return value;
  if (Utils.isPlainObject(value) || isJsonValue(value)) return JSON.stringify(value);
  return undefined;
}

/** A JSON property's value (MikroORM tags arrays and embeddables it serialises), not an `in` list. */
function isJsonValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && JsonProperty in value;
}
