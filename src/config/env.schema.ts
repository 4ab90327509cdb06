import { z } from 'zod';
import { parseDatabaseUrl, type DatabaseTarget, type PoolSettings } from '../database/database-url.js';
import { ConfigError } from './config-error.js';

/** A boolean flag as environment variables spell it: `1`/`true`/`yes` or `0`/`false`/`no`/empty. */
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .default('0')
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

/**
 * Every environment variable the service reads, typed and defaulted in one place.
 * The README's configuration table describes the same variables.
 */
export const EnvSchema = z.object({
  /** `development` (default), `production` or `test`. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Interface the HTTP server binds to. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** TCP port of the HTTP server. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where the data lives: `sqlite:<path>`, `sqlite::memory:` or `postgresql://…`. */
  DATABASE_URL: z.string().default('sqlite:data/app.sqlite3'),
  /** Log every SQL statement (Flask-SQLAlchemy's SQLALCHEMY_ECHO). */
  DB_DEBUG: flag,
  /** Most connections one app instance holds open to PostgreSQL (SQLite has one). */
  DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long a request waits for a pooled connection before it gets a 503, in milliseconds. */
  DB_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Apply pending migrations before listening (otherwise production refuses to start when behind). */
  DB_MIGRATE: flag,
});

export type RawEnv = z.infer<typeof EnvSchema>;

export interface AppConfig {
  nodeEnv: RawEnv['NODE_ENV'];
  host: string;
  port: number;
  database: DatabaseTarget;
  dbDebug: boolean;
  dbPool: PoolSettings;
  dbMigrate: boolean;
}

/** Parses `env` once into the typed configuration, or throws a one-line `ConfigError`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid ${issue.path.join('.')}: ${issue.message}`);
  }
  const raw = parsed.data;
  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    database: parseDatabaseUrl(raw.DATABASE_URL),
    dbDebug: raw.DB_DEBUG,
    dbPool: { max: raw.DB_POOL_MAX, acquireTimeoutMs: raw.DB_POOL_TIMEOUT_MS },
    dbMigrate: raw.DB_MIGRATE,
  };
}
