import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startApp, tempDir } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';

describe.skipIf(onPostgres)("shutdown (the page's shutdown_session)", () => {
  it('closing the app closes the ORM and releases the SQLite file', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'close.sqlite3');
    const t = await startApp({ db: `sqlite:${file}` });
    await t.http.post('/users').send({ name: 'a', email: 'a@b' }).expect(201);
    expect(existsSync(`${file}-wal`)).toBe(true); // WAL mode is on while the app runs

    await t.app.close();

    expect(await t.orm.isConnected()).toBe(false);
    // SQLite removes the WAL file when its last connection closes: nothing holds the file.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('select count(*) as n from users').get()).toEqual({ n: 1 });
    db.close();
    dir.remove();
  });
});
