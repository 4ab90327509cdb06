import { isRaw, JsonProperty } from '@mikro-orm/core';

/** A statement in the driver's own placeholder form, the values beside it. */
export interface BoundQuery {
  sql: string;
  values: unknown[];
}

/** What differs between the drivers when MikroORM's `?` statement is bound instead of inlined. */
export interface BindDialect {
  /** The placeholder of the `n`th value (1-based): `$n` on PostgreSQL, `?` on SQLite. */
  placeholder(n: number): string;
  /** The value as the driver should send it, or `undefined` for a kind it cannot bind. */
  value(value: unknown): unknown;
  /** `??`: an identifier, quoted into the text as MikroORM does. */
  quoteIdentifier(name: string): string;
  /** A raw SQL fragment in a value's place: SQL by construction, inlined as MikroORM does. */
  formatRaw(sql: string, params: readonly unknown[]): string;
}

/**
 * MikroORM's `?` statement with its values bound, or undefined when a value is of a kind the
 * dialect cannot bind the way MikroORM would have inlined it (the caller then keeps MikroORM's
 * own path).
 *
 * The text is scanned exactly as `Platform.formatQuery` scans it, so the same characters become
 * parameters: `??` is an identifier (quoted into the text, as there), `\?` a literal question
 * mark (the jsonb operators), every other `?` the next value. An array (an `in (?)` list) is one
 * parameter per element; a raw SQL fragment (`version + 1`) is inlined.
 */
export function bindPlaceholders(
  dialect: BindDialect,
  sql: string,
  params: readonly unknown[],
): BoundQuery | undefined {
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
      text += sql.slice(from, at) + dialect.quoteIdentifier(params[next++] as string);
      from = at + 2;
      continue;
    }
    const placeholder = bind(dialect, params[next++], values);
    if (placeholder === undefined) return undefined;
    text += sql.slice(from, at) + placeholder;
    from = at + 1;
  }
  if (next !== params.length) return undefined;
  return { sql: text + sql.slice(from), values };
}

/** Appends `value` to `values` and returns its placeholder(s); undefined when it cannot bind. */
function bind(dialect: BindDialect, value: unknown, values: unknown[]): string | undefined {
  if (isRaw(value)) return dialect.formatRaw(value.sql, value.params);
  if (Array.isArray(value) && !isJsonValue(value)) {
    if (value.length === 0) return undefined;
    const parts: string[] = [];
    for (const item of value as unknown[]) {
      const part = bind(dialect, item, values);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return parts.join(', ');
  }
  const bound = dialect.value(value);
  if (bound === undefined) return undefined;
  values.push(bound);
  return dialect.placeholder(values.length);
}

/**
 * A dialect on one of MikroORM's platforms: identifiers and raw fragments exactly as the platform
 * writes them into SQL; the placeholder and the value conversion are the driver's own.
 */
export function platformBinding(
  platform: { quoteIdentifier(name: string): string; formatQuery(sql: string, params: readonly unknown[]): string },
  driver: Pick<BindDialect, 'placeholder' | 'value'>,
): BindDialect {
  return {
    ...driver,
    quoteIdentifier: (name) => platform.quoteIdentifier(name),
    formatRaw: (sql, params) => platform.formatQuery(sql, params),
  };
}

/** A JSON property's value (MikroORM tags arrays and embeddables it serialises), not an `in` list. */
export function isJsonValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && JsonProperty in value;
}
