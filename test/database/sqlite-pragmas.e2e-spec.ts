import { describe, expect, it } from 'vitest';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/database/sqlite/sqlite-pragmas.js';
import { startApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

describe.skipIf(onPostgres)('SQLite connection settings', () => {
  it('opens the database in WAL mode with a busy timeout and foreign keys on', async () => {
    const t = await startApp();
    try {
      const connection = t.orm.driver.getConnection();
      const [journal] = await connection.execute<{ journal_mode: string }[]>('pragma journal_mode');
      const [busy] = await connection.execute<{ timeout: number }[]>('pragma busy_timeout');
      const [fk] = await connection.execute<{ foreign_keys: number }[]>('pragma foreign_keys');
      expect(journal.journal_mode).toBe('wal');
      expect(busy.timeout).toBe(SQLITE_BUSY_TIMEOUT_MS);
      expect(fk.foreign_keys).toBe(1);
    } finally {
      await t.close();
    }
  });
});
