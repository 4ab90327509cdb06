import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the specs against a real Patroni + etcd + HAProxy + PgBouncer cluster
 * (test/helpers/cluster.ts starts one per file through scripts/cluster/cluster.sh). One file at a
 * time: each runs its own cluster, and the failover spec needs the machine's cores to itself.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/cluster/**/*.cluster-spec.ts'],
    setupFiles: ['reflect-metadata'],
    env: { TEST_DB: 'postgres' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
