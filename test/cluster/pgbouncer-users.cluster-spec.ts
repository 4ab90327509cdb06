import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, clusterSkipReason, startCluster } from '../helpers/cluster.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const skip = clusterSkipReason();
if (skip) console.log(skip);

/**
 * The users suite, unchanged, through PgBouncer 1.18 in transaction mode in front of the
 * cluster's leader: every spec's database is created, used and dropped through PgBouncer.
 */
describe.skipIf(skip)('the users suite through PgBouncer (transaction mode)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(() => cluster?.down());

  it('passes every spec of test/users/users.e2e-spec.ts', { timeout: 300_000 }, async () => {
    const url = new URL(cluster.writeUrl);
    url.pathname = '/postgres';
    const result = await run(
      resolve(ROOT, 'node_modules/.bin/vitest'),
      ['run', '--project', 'postgres', 'test/users/users.e2e-spec.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, TEST_POSTGRES_URL: url.toString(), DB_PREPARED_STATEMENTS: '0', NO_COLOR: '1' },
        maxBuffer: 1 << 26,
      },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`users suite failed through PgBouncer:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    const passed = /Tests\s+(\d+) passed/.exec(result.stdout);
    console.log(`users suite through PgBouncer: ${passed?.[1] ?? '?'} passed`);
    expect(Number(passed?.[1])).toBeGreaterThan(40);
    expect(result.stdout).not.toMatch(/failed/);
  });
});
