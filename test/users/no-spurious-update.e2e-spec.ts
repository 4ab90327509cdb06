import { RequestContext } from '@mikro-orm/core';
import { inOwnContext } from '../../src/database/orm/own-context.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { User } from '../../src/users/user.entity.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeEach(async () => (t = await startApp({ env: { DB_DEBUG: '1' } })));
afterEach(() => t.close());

describe('change detection', () => {
  it('flushing a loaded, unchanged user issues no UPDATE (no spurious change on datetime columns)', async () => {
    await t.http.post('/users').send({ name: 'still', email: 'still@x' }).expect(201);
    const changed = await inOwnContext(t.orm, async () => {
      const em = RequestContext.getEntityManager()!;
      await em.findOneOrFail(User, { name: 'still' });
      em.getUnitOfWork().computeChangeSets();
      return em.getUnitOfWork().getChangeSets().length;
    });
    expect(changed).toBe(0);
  });
});
