import { afterEach, describe, expect, it } from 'vitest';
import { type ChildApp, spawnApp } from '../helpers/child-app.js';

let child: ChildApp | undefined;
afterEach(async () => {
  await child?.stop();
  child = undefined;
});

describe('start-up with a bad configuration', () => {
  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '65536' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/app' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ])('stops with exit code 1 and one line naming %s', async (name, env) => {
    child = spawnApp(env);
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.stderr.filter(Boolean)).toEqual([expect.stringMatching(new RegExp(`^users-service: invalid ${name}: `))]);
    expect(child.stdout.filter(Boolean)).toEqual([]);
  });

  it('refuses NODE_ENV=production without API_TOKEN, and starts with ALLOW_ANONYMOUS=1', async () => {
    child = spawnApp({ NODE_ENV: 'production' });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.stderr.filter(Boolean)).toEqual([expect.stringMatching(/^users-service: refusing to start: .*API_TOKEN/)]);

    child = spawnApp({ NODE_ENV: 'production', ALLOW_ANONYMOUS: '1' });
    const res = await fetch(`${await child.url()}/health`);
    expect(res.status).toBe(200);
  });
});
