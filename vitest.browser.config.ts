import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// `npm run test:browser`: specs that drive a real Chromium (Debian's /usr/bin/chromium) against
// the app. Kept out of `npm test`, which must not need a browser.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/browser/**/*.browser-spec.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
