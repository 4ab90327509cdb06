import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApp } from '../helpers/test-app.js';

afterEach(() => vi.restoreAllMocks());

describe('DB_DEBUG (SQLALCHEMY_ECHO)', () => {
  it('logs every SQL statement when DB_DEBUG=1', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const t = await startApp({ env: { DB_DEBUG: '1' } });
    try {
      await t.http.post('/users').send({ name: 'echo', email: 'echo@x' }).expect(201);
      await t.http.get('/users/1').expect(200);
      const lines = log.mock.calls.map((call) => String(call[0]));
      expect(lines.some((line) => /insert into .users./i.test(line))).toBe(true);
      expect(lines.some((line) => /select .* from .users./i.test(line))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('logs no SQL by default', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const t = await startApp();
    try {
      await t.http.post('/users').send({ name: 'quiet', email: 'quiet@x' }).expect(201);
      expect(log.mock.calls.map((call) => String(call[0])).some((line) => /insert into/i.test(line))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
