import swc from 'unplugin-swc';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Two projects run the same specs: `sqlite` always, `postgres` when TEST_POSTGRES_URL names a
 * PostgreSQL server (`.ci/run` sets it). `startApp()` and `createTestDatabase()` read TEST_DB to
 * give every app its own fresh database of the project's kind.
 */
const postgresUrl = process.env.TEST_POSTGRES_URL;

const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: 'sqlite', env: { TEST_DB: 'sqlite' } } },
];
if (postgresUrl) {
  projects.push({
    extends: true,
    test: { name: 'postgres', env: { TEST_DB: 'postgres' }, globalSetup: ['test/helpers/postgres-global-setup.ts'] },
  });
} else {
  console.log(
    'postgres project skipped: TEST_POSTGRES_URL is not set ' +
      '(e.g. TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test npm test runs every spec on PostgreSQL too)',
  );
}

// Nest's dependency injection reads `design:paramtypes`, which only a compiler that emits
// decorator metadata provides: SWC does, Vite's default transform does not.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    setupFiles: ['reflect-metadata'],
    // test/process/ spawns dist/src/main.js: build it once before any spec runs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects,
  },
});
