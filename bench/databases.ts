/**
 * The databases of one bench run: one private copy per server, seeded alike (10 000 users, 20 000
 * posts), so the writes of one server never change what another reads. SQLite: files in the run's
 * temp folder (seed.ts). PostgreSQL: scratch databases on the server `--db` names, created by the
 * run with the app's own migrations (seed-postgres.ts), and dropped at its end.
 */
import { join } from 'node:path';
import { copyDatabase, createSeededDatabase, growUsers, SEED_POSTS, SEED_USERS } from './seed.ts';
import {
  createPostgresDatabase,
  createSeededPostgresDatabase,
  dropPostgresDatabase,
  growPostgresUsers,
} from './seed-postgres.ts';

export interface BenchDatabases {
  /** The app's DATABASE_URL for the copy called `name`. */
  url(name: string): string;
  /** The baseline server's script and environment. */
  baselineScript: string;
  baselineEnv(name: string): Record<string, string>;
  /** Adds users to each named copy until it holds `total` (the export scenario). */
  growUsers(names: string[], total: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function prepareDatabases(
  kind: 'sqlite' | 'postgresql',
  url: string,
  names: string[],
  dir: string,
  root: string,
  log: (line: string) => void,
): Promise<BenchDatabases> {
  return kind === 'sqlite' ? sqliteDatabases(names, dir, root, log) : postgresDatabases(url, names, root, log);
}

function sqliteDatabases(names: string[], dir: string, root: string, log: (line: string) => void): BenchDatabases {
  const seeded = join(dir, 'seed.sqlite3');
  log(`seeding ${seeded} (${SEED_USERS.toLocaleString('en-US')} users, ${SEED_POSTS.toLocaleString('en-US')} posts)…`);
  createSeededDatabase(seeded, root);
  const file = (name: string) => join(dir, `${name}.sqlite3`);
  for (const name of names) copyDatabase(seeded, file(name));
  return {
    url: (name) => `sqlite:${file(name)}`,
    baselineScript: 'bench/baseline.server.ts',
    baselineEnv: (name) => ({ DB_FILE: file(name) }),
    growUsers: async (list, total) => {
      for (const name of list) growUsers(file(name), total);
    },
    cleanup: async () => {},
  };
}

async function postgresDatabases(
  serverUrl: string,
  names: string[],
  root: string,
  log: (line: string) => void,
): Promise<BenchDatabases> {
  const dbName = (name: string) => `users_bench_${process.pid}_${name.replace(/\W/g, '_')}`;
  const urls = new Map<string, string>();
  const cleanup = async () => {
    for (const name of urls.keys()) await dropPostgresDatabase(serverUrl, dbName(name));
  };
  try {
    for (const name of names) {
      const url = await createPostgresDatabase(serverUrl, dbName(name));
      urls.set(name, url);
      log(`PostgreSQL: ${dbName(name)} created; migrating and seeding (${SEED_USERS} users, ${SEED_POSTS} posts)…`);
      await createSeededPostgresDatabase(url, root);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  const url = (name: string) => urls.get(name)!;
  return {
    url,
    baselineScript: 'bench/baseline-pg.server.ts',
    baselineEnv: (name) => ({ DATABASE_URL: url(name) }),
    growUsers: async (list, total) => {
      for (const name of list) await growPostgresUsers(url(name), total);
    },
    cleanup,
  };
}
