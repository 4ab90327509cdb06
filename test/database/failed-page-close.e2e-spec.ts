import { describe, expect, it } from 'vitest';
import { startApp } from '../helpers/test-app.js';

/**
 * Regression: with `em.findAndCount` (count and rows in parallel), a page request whose queries
 * failed on PostgreSQL could leave a pooled connection checked out for good, and the app's
 * close (SIGTERM, or a spec's afterEach) then waited on the pool forever. Pages now run their
 * two statements one after the other (src/database/find-page.ts).
 */
describe('closing right after a failed page request', () => {
  it.each([1, 2, 3, 4, 5])('closes the app and its pool (round %i)', async () => {
    const t = await startApp();
    await t.http.post('/users').send({ name: 'ann', email: 'ann@x' }).expect(201);
    const connection = t.orm.driver.getConnection();
    await connection.execute('drop table posts');
    await connection.execute('drop table users');
    await t.http.get('/users').expect(500);
    await t.http.get('/posts').expect(500);
    // A leaked connection makes this hang until the spec times out.
    await t.close();
    expect(await t.orm.isConnected()).toBe(false);
  });
});
