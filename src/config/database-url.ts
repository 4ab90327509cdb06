import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error.js';

/** Which database the service talks to, decided by `DATABASE_URL` alone. */
export type DatabaseTarget =
  { driver: 'sqlite'; file: string; inMemory: boolean } | { driver: 'postgresql'; clientUrl: string; dbName: string };

/** Connection pool of a server database (PostgreSQL); SQLite works on one connection. */
export interface PoolSettings {
  /** Most connections open at once (DB_POOL_MAX). */
  max: number;
  /** How long to wait for a free connection before failing with a 503 (DB_POOL_TIMEOUT_MS). */
  acquireTimeoutMs: number;
}

const SQLITE_MEMORY = ':memory:';

/**
 * Reads a `DATABASE_URL`:
 * - `sqlite:data/app.sqlite3` or `sqlite://data/app.sqlite3` (relative to the working directory),
 *   `sqlite:///var/lib/app.sqlite3` (absolute), `sqlite::memory:` (private in-memory database);
 * - `postgresql://user:pass@host:5432/dbname` (or `postgres://`).
 * Anything else is a `ConfigError` naming the variable.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const value = url.trim();
  if (value.startsWith('sqlite:')) return parseSqlite(value.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(value)) return parsePostgres(value);
  throw new ConfigError(
    `invalid DATABASE_URL: expected sqlite:<file>, sqlite::memory: or postgresql://user@host:port/db, got "${redact(value)}"`,
  );
}

function parseSqlite(rest: string): DatabaseTarget {
  if (rest === SQLITE_MEMORY || rest === `//${SQLITE_MEMORY}`) {
    return { driver: 'sqlite', file: SQLITE_MEMORY, inMemory: true };
  }
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') throw new ConfigError('invalid DATABASE_URL: the sqlite: URL names no file');
  return { driver: 'sqlite', file: isAbsolute(path) ? path : resolve(path), inMemory: false };
}

function parsePostgres(value: string): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`invalid DATABASE_URL: "${redact(value)}" is not a valid postgresql:// URL`);
  }
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !dbName) {
    throw new ConfigError('invalid DATABASE_URL: a postgresql:// URL needs a host and a database name');
  }
  return { driver: 'postgresql', clientUrl: value, dbName };
}

/** Hides a password before a URL goes into an error message. */
function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
