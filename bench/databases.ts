/**
 * The databases of one bench run: one private copy per server, seeded alike (10 000 users, 20 000
 * posts), so the writes of one server never change what another reads. SQLite: files in the run's
 * temp folder. PostgreSQL: scratch databases on the server `--db` names, created by the run with the
 * app's own migrations, and dropped at its end.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { copyDatabase, createSeededDatabase, growUsers, SEED_POSTS, SEED_USERS } from './seed.ts';

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
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const dbName = (name: string) => `users_bench_${process.pid}_${name.replace(/\W/g, '_')}`;
  const urlOf = (name: string) => {
    const u = new URL(serverUrl);
    u.pathname = `/${dbName(name)}`;
    return u.toString();
  };
  const created: string[] = [];
  try {
    for (const name of names) {
      await admin.query(`create database ${pg.escapeIdentifier(dbName(name))}`);
      created.push(name);
      log(`PostgreSQL: ${dbName(name)} created; migrating and seeding (${SEED_USERS} users, ${SEED_POSTS} posts)…`);
      migrate(urlOf(name), root);
      await withClient(urlOf(name), seedPostgres);
    }
  } catch (error) {
    await dropAll(admin, created.map(dbName));
    await admin.end();
    throw error;
  }
  return {
    url: urlOf,
    baselineScript: 'bench/baseline-pg.server.ts',
    baselineEnv: (name) => ({ DATABASE_URL: urlOf(name) }),
    growUsers: async (list, total) => {
      for (const name of list) await withClient(urlOf(name), (client) => growPostgres(client, total));
    },
    cleanup: async () => {
      await dropAll(admin, created.map(dbName));
      await admin.end();
    },
  };
}

/** The app's own migrations, through its CLI: the bench measures the schema users get. */
function migrate(databaseUrl: string, root: string): void {
  execFileSync(process.execPath, ['dist/src/cli/cli.js', 'migration:up'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The same rows as the SQLite seed (seed.ts): names user000001…, posts by a spread of authors, a second apart. */
async function seedPostgres(client: pg.Client): Promise<void> {
  await client.query(
    `insert into users (name, email, created_at, updated_at)
     select 'user' || lpad(n::text, 6, '0'), 'user' || lpad(n::text, 6, '0') || '@bench.local', now(), now()
     from generate_series(1, $1::int) as n`,
    [SEED_USERS],
  );
  await client.query(
    `insert into posts (title, body, author_id, created_at)
     select 'post ' || n, 'body of post ' || n, ((n * 7919) % $1::int) + 1, now() - ($2::int - n) * interval '1 second'
     from generate_series(1, $2::int) as n`,
    [SEED_USERS, SEED_POSTS],
  );
  await client.query('analyze');
}

async function growPostgres(client: pg.Client, total: number): Promise<void> {
  await client.query(
    `insert into users (name, email, created_at, updated_at)
     select 'export' || n, 'export' || n || '@bench.local', now(), now()
     from generate_series((select count(*) from users)::int + 1, $1::int) as n`,
    [total],
  );
  await client.query('analyze users');
}

async function dropAll(admin: pg.Client, databases: string[]): Promise<void> {
  for (const name of databases) await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
}
