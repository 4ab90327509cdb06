import type { MikroORM } from '@mikro-orm/core';
import { vi } from 'vitest';

/** Records every SQL statement the ORM hands to its logger (the fast path logs there too). */
export function recordSql(orm: MikroORM): { statements: string[]; reset: () => void } {
  const statements: string[] = [];
  vi.spyOn(orm.config.getLogger(), 'logQuery').mockImplementation((context) => {
    statements.push(context.query ?? '');
  });
  return { statements, reset: () => (statements.length = 0) };
}
