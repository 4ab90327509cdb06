import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Nest's dependency injection reads `design:paramtypes`, which only a compiler that emits
// decorator metadata provides: SWC does, Vite's default transform does not.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    setupFiles: ['reflect-metadata'],
    // test/process/ spawns dist/src/main.js: build it once before any spec runs.
    globalSetup: ['test/helpers/build-app.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
