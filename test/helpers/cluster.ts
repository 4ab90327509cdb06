import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../scripts/cluster/cluster.sh');
const PACKAGES = ['etcd-server', 'patroni', 'haproxy', 'pgbouncer'];

/** A running cluster started by scripts/cluster/cluster.sh (see `npm run cluster:up`). */
export interface Cluster {
  dir: string;
  /** Through PgBouncer (transaction mode) to the leader: what the service uses as DATABASE_URL. */
  writeUrl: string;
  /** The HAProxy read port (replicas, the leader when none is up). */
  readUrl: string;
  /** The HAProxy write port, no PgBouncer: for migrations and for checks. */
  directUrl: string;
  /** A node's own PostgreSQL port. */
  nodeUrl(name: string): string;
  /** Environment for an app on this cluster: DATABASE_URL, DATABASE_READ_URLS, DB_PREPARED_STATEMENTS=0. */
  appEnv(readUrls?: string[]): Record<string, string>;
  /** `cluster.sh <args>` on this cluster; resolves with its stdout. */
  ctl(...args: string[]): Promise<string>;
  leader(): Promise<string>;
  /** `cluster.sh down`; safe to call twice. */
  down(): Promise<void>;
}

/**
 * Why the cluster specs cannot run here, or undefined when they can. A missing package is
 * installed first (apt-get, as root); only one that cannot be installed skips the specs.
 */
export function clusterSkipReason(): string | undefined {
  if (missingPackages().length > 0 && process.getuid?.() === 0) {
    try {
      execFileSync('apt-get', ['install', '-y', ...missingPackages()], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch {
      // Reported below by what is still missing.
    }
  }
  const still = missingPackages();
  if (still.length > 0)
    return `cluster specs skipped: ${still.join(', ')} not installed and apt-get install -y could not install them`;
  if (process.getuid?.() !== 0)
    return 'cluster specs skipped: they run PostgreSQL as the postgres user, which needs root';
  return undefined;
}

function missingPackages(): string[] {
  return PACKAGES.filter((name) => !installed(name));
}

function installed(name: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).includes(
      'install ok installed',
    );
  } catch {
    return false;
  }
}

/** Starts a cluster in a temp folder of its own (cluster.sh up: a leader and a streaming synchronous replica). */
export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'users-service-cluster-spec-'));
  try {
    await run('bash', [SCRIPT, 'up'], { env: { ...process.env, CLUSTER_DIR: dir }, maxBuffer: 1 << 24 });
  } catch (error) {
    // Whatever did start is stopped by its PIDs before the spec fails.
    await run('bash', [SCRIPT, 'down'], { env: { ...process.env, CLUSTER_DIR: dir } }).catch(() => undefined);
    throw error;
  }
  const env = Object.fromEntries(
    readFileSync(resolve(dir, 'cluster.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const ctl = async (...args: string[]) =>
    (await run('bash', [SCRIPT, ...args], { env: { ...process.env, CLUSTER_DIR: dir } })).stdout.trim();
  let stopped = false;
  return {
    dir,
    writeUrl: env.DATABASE_URL,
    readUrl: env.DATABASE_READ_URLS,
    directUrl: env.DATABASE_DIRECT_URL,
    nodeUrl: (name) =>
      `postgresql://postgres@127.0.0.1:${env[name === 'node1' ? 'NODE1_PG' : 'NODE2_PG']}/${env.DB_NAME}`,
    appEnv: (readUrls = [env.DATABASE_READ_URLS]) => ({
      DATABASE_URL: env.DATABASE_URL,
      DATABASE_READ_URLS: readUrls.join(','),
      DB_PREPARED_STATEMENTS: '0',
    }),
    ctl,
    leader: () => ctl('leader'),
    async down() {
      if (stopped) return;
      stopped = true;
      await run('bash', [SCRIPT, 'down'], { env: { ...process.env, CLUSTER_DIR: dir } });
    },
  };
}
