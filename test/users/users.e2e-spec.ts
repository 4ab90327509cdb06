import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeEach(async () => (t = await startApp()));
afterEach(() => t.close());

describe('POST /users', () => {
  it('creates a user, answers 201 with a Location header', async () => {
    const res = await t.http.post('/users').send({ name: ' admin ', email: ' Admin@Localhost ' }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: 'admin',
      email: 'admin@localhost',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.headers.location).toBe(`/users/${res.body.id}`);
    expect(await t.count('users')).toBe(1);
  });
});
