import { Utils } from '@mikro-orm/core';
import type { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { isJsonValue, platformBinding, type BindDialect } from '../query/placeholders.js';

/**
 * How MikroORM's statements bind on PostgreSQL (query/placeholders.ts): `$1`, `$2` … in the text,
 * each value what MikroORM would have written as a literal, passed as a value instead: a Date as
 * the platform formats it, a JSON object as its JSON text. Parameters go untyped (`unknown`), so
 * PostgreSQL infers each from its context just as it does for a quoted literal.
 */
export function postgresBinding(platform: PostgreSqlPlatform): BindDialect {
  return platformBinding(platform, { placeholder: (n) => `$${n}`, value: (value) => postgresValue(platform, value) });
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
