import { raw } from '@mikro-orm/core';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { SqlitePlatform } from '@mikro-orm/sqlite';
import { describe, expect, it } from 'vitest';
import { postgresBinding } from '../postgresql/bound-parameters.js';
import { sqliteBinding } from '../sqlite/sqlite-statement-cache.js';
import { bindPlaceholders } from './placeholders.js';

const sqliteDialect = sqliteBinding(new SqlitePlatform());
const postgres = postgresBinding(new PostgreSqlPlatform());

describe('bindPlaceholders', () => {
  it("binds MikroORM's optimistic-lock UPDATE: the raw `version + 1` goes into the text, every value beside it", () => {
    const params = ['ann', new Date(1_000), raw('`version` + 1'), 7, 3];
    const sql = 'update `users` set `name` = ?, `updated_at` = ?, `version` = ? where `id` = ? and `version` = ?';
    expect(bindPlaceholders(sqliteDialect, sql, params)).toEqual({
      sql: 'update `users` set `name` = ?, `updated_at` = ?, `version` = `version` + 1 where `id` = ? and `version` = ?',
      values: ['ann', 1_000, 7, 3],
    });
  });

  it('numbers PostgreSQL placeholders in order, an `in` list one per element', () => {
    expect(
      bindPlaceholders(postgres, 'select * from "users" where "id" in (?) and "name" = ?', [[1, 2, 3], 'x']),
    ).toEqual({
      sql: 'select * from "users" where "id" in ($1, $2, $3) and "name" = $4',
      values: [1, 2, 3, 'x'],
    });
  });

  it('reads `??` as an identifier and `\\?` as a literal question mark, as Platform.formatQuery does', () => {
    expect(bindPlaceholders(postgres, 'select ?? from t where data \\? ? and id = ?', ['name', 'key', 5])).toEqual({
      sql: 'select "name" from t where data ? $1 and id = $2',
      values: ['key', 5],
    });
  });

  it('keeps values that look like SQL as data', () => {
    const bound = bindPlaceholders(sqliteDialect, 'select * from users where name = ?', [
      "O'Brien?'); drop table users; --",
    ]);
    expect(bound).toEqual({ sql: 'select * from users where name = ?', values: ["O'Brien?'); drop table users; --"] });
  });

  it('gives up, for MikroORM to inline, on counts that do not match or a value it cannot bind', () => {
    expect(bindPlaceholders(sqliteDialect, 'select ? , ?', [1])).toBeUndefined();
    expect(bindPlaceholders(sqliteDialect, 'select ?', [1, 2])).toBeUndefined();
    expect(bindPlaceholders(sqliteDialect, 'select ?', [{ a: 1 }])).toBeUndefined();
    expect(bindPlaceholders(postgres, 'select * from t where id in (?)', [[]])).toBeUndefined();
  });

  it('binds dates and booleans as each database stores them', () => {
    const when = new Date('2026-05-04T03:02:01.234Z');
    expect(bindPlaceholders(sqliteDialect, 'select ?, ?', [when, true])?.values).toEqual([+when, 1]);
    expect(bindPlaceholders(postgres, 'select ?, ?', [when, true])?.values).toEqual([
      new PostgreSqlPlatform().formatDate(when),
      true,
    ]);
  });
});
