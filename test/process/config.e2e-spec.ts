import { describe, expect, it } from 'vitest';
import { type AppProcess, spawnApp } from '../helpers/app-process.js';

/** Runs `check` against a child started with `env`, and always stops it. */
async function withChild(env: Record<string, string>, check: (child: AppProcess) => Promise<void>): Promise<void> {
  const child = await spawnApp(env);
  try {
    await check(child);
  } finally {
    await child.stop();
  }
}

// Each case is its own process, so they run side by side.
describe.concurrent('start-up with a bad configuration', () => {
  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '65536' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/app' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ])('stops with exit code 1 and one line naming %s', (name, env) =>
    withChild(env, async (child) => {
      expect(await child.exited).toEqual({ code: 1, signal: null });
      expect(child.stderr.filter(Boolean)).toEqual([
        expect.stringMatching(new RegExp(`^users-service: invalid ${name}: `)),
      ]);
      expect(child.stdout.filter(Boolean)).toEqual([]);
    }),
  );

  it('refuses NODE_ENV=production without API_TOKEN', () =>
    withChild({ NODE_ENV: 'production' }, async (child) => {
      expect(await child.exited).toEqual({ code: 1, signal: null });
      expect(child.stderr.filter(Boolean)).toEqual([
        expect.stringMatching(/^users-service: refusing to start: .*API_TOKEN/),
      ]);
    }));

  it('starts in production without API_TOKEN when ALLOW_ANONYMOUS=1', () =>
    withChild({ NODE_ENV: 'production', ALLOW_ANONYMOUS: '1', DB_MIGRATE: '1' }, async (child) => {
      const res = await fetch(`${await child.url()}/health`);
      expect(res.status).toBe(200);
    }));
});
