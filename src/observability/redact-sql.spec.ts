import { describe, expect, it } from 'vitest';
import { redactSql } from './redact-sql.js';

describe('redactSql', () => {
  it('replaces string and number literals with ?, keeping identifiers, keywords and placeholders', () => {
    expect(
      redactSql(
        "select `u0`.* from `users` as `u0` where `u0`.`email` = 'ann@example.com' and `u0`.`id` > 42 limit 20 offset 0",
      ),
    ).toBe('select `u0`.* from `users` as `u0` where `u0`.`email` = ? and `u0`.`id` > ? limit ? offset ?');
    expect(redactSql('select "p0"."id" from "posts" as "p0" where "p0"."author_id" = $1 limit -1.5e3')).toBe(
      'select "p0"."id" from "posts" as "p0" where "p0"."author_id" = $1 limit ?',
    );
  });

  it('takes out a string with an escaped quote, newlines and digits in it whole', () => {
    expect(redactSql("insert into `users` (`name`) values ('O''Brien 7\n8'), ('x')")).toBe(
      'insert into `users` (`name`) values (?), (?)',
    );
  });

  it('leaves statements without values as they are', () => {
    expect(redactSql('begin')).toBe('begin');
    expect(redactSql('savepoint trx1')).toBe('savepoint trx1');
  });
});
