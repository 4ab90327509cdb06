import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault suite (test/faults/**\/*.fault-spec.ts). Each spec breaks
 * something real (its own PostgreSQL cluster, a tmpfs, a stalling proxy, a flood of connections)
 * around real child processes, so the files run one at a time in forked workers, with timeouts
 * long enough for a restart but bounded so a hang fails instead of stalling CI.
 * The specs pick their database themselves (a throwaway cluster, a SQLite file), so there are no
 * sqlite/postgres projects here.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/faults/**/*.fault-spec.ts'],
    setupFiles: ['reflect-metadata'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
