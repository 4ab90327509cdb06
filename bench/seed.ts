import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Rows the bench starts from (issue 9). */
export const SEED_USERS = 10_000;
export const SEED_POSTS = 20_000;

/**
 * The posts table of the posts contract, created only when the app's schema does not have it
 * yet (the posts feature is built on another branch); once it is merged, `schema:create` makes it.
 */
const POSTS_DDL = `create table if not exists posts (
  id integer not null primary key autoincrement,
  title text not null,
  body text not null,
  author_id integer not null references users (id) on update cascade on delete cascade,
  created_at datetime not null)`;

/** Seed user `n` (1-based): deterministic, so scenarios can pick existing names. */
export function seedName(n: number): string {
  return `user${String(n).padStart(6, '0')}`;
}

/**
 * Creates the app's schema with its own migrations (what production runs on), then fills it
 * with better-sqlite3 in one transaction: seconds, not minutes through HTTP.
 */
export function createSeededDatabase(file: string, projectRoot: string): void {
  // Migrations, not schema:create: the app then starts in production mode on this file.
  execFileSync(process.execPath, ['dist/src/cli/cli.js', 'migration:up'], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: `sqlite:${file}`, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const db = new Database(file);
  db.pragma('journal_mode = wal');
  db.exec(POSTS_DDL);
  db.exec('create index if not exists posts_author_id_index on posts (author_id)');
  const now = Date.now();
  const insertUser = db.prepare('insert into users (name, email, created_at, updated_at) values (?, ?, ?, ?)');
  const insertPost = postInserter(db);
  db.transaction(() => {
    for (let n = 1; n <= SEED_USERS; n++) insertUser.run(seedName(n), `${seedName(n)}@bench.local`, now, now);
    for (let n = 1; n <= SEED_POSTS; n++) {
      insertPost({
        title: `post ${n}`,
        body: `body of post ${n}`,
        authorId: ((n * 7919) % SEED_USERS) + 1,
        at: now - (SEED_POSTS - n) * 1000,
      });
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

interface PostRow {
  title: string;
  body: string;
  authorId: number;
  at: number;
}

/** Inserts a post, filling whichever timestamp columns the posts table has (updated_at is optional). */
function postInserter(db: Database.Database): (row: PostRow) => void {
  const columns = new Set((db.pragma('table_info(posts)') as { name: string }[]).map((c) => c.name));
  const hasUpdated = columns.has('updated_at');
  const stmt = db.prepare(
    hasUpdated
      ? 'insert into posts (title, body, author_id, created_at, updated_at) values (?, ?, ?, ?, ?)'
      : 'insert into posts (title, body, author_id, created_at) values (?, ?, ?, ?)',
  );
  return ({ title, body, authorId, at }) => {
    if (hasUpdated) stmt.run(title, body, authorId, at, at);
    else stmt.run(title, body, authorId, at);
  };
}

/** Adds users until the table holds `total` rows (the export scenario wants 200 000). */
export function growUsers(file: string, total: number): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const count = (db.prepare('select count(*) as n from users').get() as { n: number }).n;
  const insert = db.prepare('insert into users (name, email, created_at, updated_at) values (?, ?, ?, ?)');
  const now = Date.now();
  db.transaction(() => {
    for (let n = count + 1; n <= total; n++) insert.run(`export${n}`, `export${n}@bench.local`, now, now);
  })();
  db.close();
}

/** A private copy per server, so the writes of one never change what the other reads. */
export function copyDatabase(from: string, to: string): void {
  copyFileSync(from, to);
}
