import { z } from 'zod';
import { resolveWorkers } from '../cluster.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../database/database-url.js';
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
  /** Processes serving the port through node:cluster: a count, or `auto` for one per core. */
  WORKERS: z
    .string()
    .regex(/^(auto|[1-9][0-9]{0,2})$/, 'expected a count from 1 or auto')
    .default('1'),
});

export type RawEnv = z.infer<typeof EnvSchema>;

export interface AppConfig {
  nodeEnv: RawEnv['NODE_ENV'];
  host: string;
  port: number;
  database: DatabaseTarget;
  dbDebug: boolean;
  workers: number;
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
    workers: resolveWorkers(raw.WORKERS),
  };
}
