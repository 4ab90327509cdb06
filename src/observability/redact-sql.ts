/**
 * SQL as MikroORM logs it, with the values taken out. On SQLite the logged text has the
 * parameters inlined (`where "u0"."email" = 'ann@example.com'`), so a log line quoting a
 * statement would leak personal data: string literals become `?`, and so do numbers that stand
 * alone (not part of an identifier such as `u0` or `trx1`). Quoted identifiers are kept.
 */
export function redactSql(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/(?<![\w."$])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w"])/gi, '?')
    .replace(/\s+/g, ' ')
    .trim();
}
