import type { EntityManager } from '@mikro-orm/sql';
import { sqlDialect } from '../database/query/sql-dialect.js';
import { runSql } from './run-sql.js';

export interface DomainCount {
  domain: string;
  users: number;
}

export interface UserStats {
  users: number;
  posts: number;
  topEmailDomains: DomainCount[];
}

/** How many domains `topEmailDomains` lists. */
export const TOP_DOMAINS = 10;

/**
 * Counts computed by the database in two statements, whatever the table sizes: no rows are
 * loaded into the app. Domains are ranked by users, ties broken by domain in byte order (the
 * same on SQLite and PostgreSQL).
 */
export async function userStats(em: EntityManager): Promise<UserStats> {
  const sql = sqlDialect(em);
  const [counts] = await runSql<{ users: unknown; posts: unknown }>(
    em,
    'select (select count(*) from users) as users, (select count(*) from posts) as posts',
  );
  const domain = `substr(email, ${sql.position('email', "'@'")} + 1)`;
  const domains = await runSql<{ domain: string; users: unknown }>(
    em,
    `select domain, count(*) as users
       from (select ${domain} as domain from users) as d
      group by domain
      order by count(*) desc, ${sql.binary('domain')} asc
      limit ?`,
    [TOP_DOMAINS],
  );
  return {
    // PostgreSQL's count(*) is a bigint, which its driver hands over as a string.
    users: Number(counts.users),
    posts: Number(counts.posts),
    topEmailDomains: domains.map((row) => ({ domain: row.domain, users: Number(row.users) })),
  };
}
