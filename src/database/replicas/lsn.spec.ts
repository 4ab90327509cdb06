import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from './lsn.js';

describe('WAL positions (consistency tokens)', () => {
  it('orders positions as PostgreSQL does: the high word first', () => {
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
    expect(parseLsn('0/16B3748')! < parseLsn('0/16B3749')!).toBe(true);
    expect(parseLsn('0/16b3748')).toBe(parseLsn('0/16B3748'));
  });

  it('prints a position the way pg_current_wal_lsn() does', () => {
    expect(formatLsn(parseLsn('16/B374D848')!)).toBe('16/B374D848');
    expect(formatLsn(parseLsn('0/0')!)).toBe('0/0');
  });

  it.each(['', 'junk', '0/', '/1', '0/1/2', '0/GG', "0/1' or 1=1", '123456789/0'])('rejects %o', (text) => {
    expect(parseLsn(text)).toBeUndefined();
  });
});
