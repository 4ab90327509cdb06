import { z } from 'zod';
import { availableParallelism } from 'node:os';
import { parseDatabaseUrl, type DatabaseTarget, type PoolSettings } from './database-url.js';
import { ConfigError } from './config-error.js';

/** A boolean flag as environment variables spell it: `1`/`true`/`yes` or `0`/`false`/`no`/empty. */
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .default('0')
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

/** Nest's logger levels, most to least severe; `LOG_LEVEL` keeps its own and the ones above. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** A comma-separated list; blanks dropped. */
const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/**
 * Every environment variable the service reads, typed and defaulted in one place.
 * The README's configuration table describes the same variables.
 */
export const EnvSchema = z.object({
  /** `development` (default), `production` or `test`. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Interface the HTTP server binds to. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** TCP port of the HTTP server (0 picks a free one). */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where the data lives: `sqlite:<path>`, `sqlite::memory:` or `postgresql://…`. */
  DATABASE_URL: z.string().default('sqlite:data/app.sqlite3'),
  /** Log every SQL statement (Flask-SQLAlchemy's SQLALCHEMY_ECHO). */
  DB_DEBUG: flag,
  /** Most connections one app instance holds open to PostgreSQL (SQLite has one). */
  DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long a request waits for a pooled connection before it gets a 503, in milliseconds. */
  DB_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Most SQL statements one request should run before a warning (0: no budget); tests fail past it. */
  DB_STATEMENT_BUDGET: z.coerce.number().int().min(0).max(100_000).default(25),
  /** Apply pending migrations before listening (otherwise production refuses to start when behind). */
  DB_MIGRATE: flag,
  /** Least severe level logged: fatal, error, warn, log (default), debug, verbose. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('log'),
  /** `json` (one JSON object per line, for log shippers; the production default) or `text` (for people; the default elsewhere). */
  LOG_FORMAT: z.enum(['text', 'json']).optional(),
  /** When set, every API route requires `Authorization: Bearer <API_TOKEN>`. */
  API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Lets `NODE_ENV=production` start without `API_TOKEN`, on purpose. */
  ALLOW_ANONYMOUS: flag,
  /** Serve Prometheus metrics at GET /metrics (otherwise that route is a 404). */
  METRICS: flag,
  /** Origins allowed to call the API from a browser (comma-separated); empty: CORS off. */
  CORS_ORIGINS: list,
  /** How long SIGTERM waits for in-flight requests before cutting their connections. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Test builds only (`NODE_ENV=test`): delays every request, so a spec can catch one in flight. */
  TEST_REQUEST_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** Test builds only (`NODE_ENV=test`): on this signal the process throws an uncaught error, so a spec can check fatal errors. */
  TEST_FATAL_SIGNAL: z.enum(['SIGUSR2', 'SIGHUP']).optional(),
  /** Processes serving the port through node:cluster: a count, or `auto` for one per core. */
  WORKERS: z
    .string()
    .regex(/^(auto|[1-9][0-9]{0,2})$/, 'expected a count from 1 or auto')
    .default('1'),

  // --- Read replicas (issue 16: Patroni cluster, reads on replicas, read-your-writes) ---
  /** Read endpoints (comma-separated postgresql:// URLs) for reads outside a transaction; empty: every read on DATABASE_URL. PostgreSQL only. */
  DATABASE_READ_URLS: list,
  /** A replica down or further behind the primary than this is skipped: its reads go to the primary. */
  DB_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  /** How often each replica's replay position (and the primary's WAL position) is read, in milliseconds. */
  DB_REPLICA_CHECK_MS: z.coerce.number().int().min(50).max(60_000).default(250),
  /** Longest a request with `X-Read-After` waits for a replica to replay past its token before it reads on the primary. */
  DB_READ_AFTER_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(100),
});

const SECRET_VARIABLES = new Set(['API_TOKEN', 'DATABASE_URL', 'DATABASE_READ_URLS']);

export type RawEnv = z.infer<typeof EnvSchema>;

export interface AppConfig {
  nodeEnv: RawEnv['NODE_ENV'];
  host: string;
  port: number;
  database: DatabaseTarget;
  dbDebug: boolean;
  dbPool: PoolSettings;
  dbMigrate: boolean;
  /** 0: no budget. */
  dbStatementBudget: number;
  metrics: boolean;
  logLevel: LogLevelName;
  logFormat: 'text' | 'json';
  /** `undefined`: the API is open (development, or production with ALLOW_ANONYMOUS=1). */
  apiToken: string | undefined;
  corsOrigins: string[];
  shutdownTimeoutMs: number;
  /** Always 0 outside `NODE_ENV=test`. */
  testRequestDelayMs: number;
  /** Always undefined outside `NODE_ENV=test`. */
  testFatalSignal: NodeJS.Signals | undefined;
  workers: number;
  /** Read replicas (DATABASE_READ_URLS); `urls` is empty without them. */
  dbReplicas: ReplicaSettings;
}

/** Where reads outside a transaction may go, and when a replica is good enough to read from. */
export interface ReplicaSettings {
  urls: string[];
  maxLagMs: number;
  checkIntervalMs: number;
  readAfterWaitMs: number;
}

/** `WORKERS`: a count, or `auto` for one process per core. */
function resolveWorkers(value: string): number {
  return value === 'auto' ? availableParallelism() : Number(value);
}

/** Parses `env` once into the typed configuration, or throws a one-line `ConfigError`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(blanksAsUnset(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue.path.join('.');
    const value = env[name];
    // Secrets (and URLs that may carry a password) are never echoed into logs.
    const shown = value === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(value)})`;
    throw new ConfigError(`invalid ${name}: ${issue.message}${shown}`);
  }
  const raw = parsed.data;
  const database = parseDatabaseUrl(raw.DATABASE_URL);
  if (raw.NODE_ENV === 'production' && raw.API_TOKEN === undefined && !raw.ALLOW_ANONYMOUS) {
    throw new ConfigError(
      'refusing to start: NODE_ENV=production without API_TOKEN would leave the API open (set API_TOKEN, or ALLOW_ANONYMOUS=1 on purpose)',
    );
  }
  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    database,
    dbDebug: raw.DB_DEBUG,
    dbPool: { max: raw.DB_POOL_MAX, acquireTimeoutMs: raw.DB_POOL_TIMEOUT_MS },
    dbMigrate: raw.DB_MIGRATE,
    dbStatementBudget: raw.DB_STATEMENT_BUDGET,
    metrics: raw.METRICS,
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT ?? (raw.NODE_ENV === 'production' ? 'json' : 'text'),
    apiToken: raw.API_TOKEN,
    corsOrigins: raw.CORS_ORIGINS,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    testRequestDelayMs: raw.NODE_ENV === 'test' ? raw.TEST_REQUEST_DELAY_MS : 0,
    testFatalSignal: raw.NODE_ENV === 'test' ? raw.TEST_FATAL_SIGNAL : undefined,
    workers: resolveWorkers(raw.WORKERS),
    dbReplicas: replicaSettings(raw, database),
  };
}

/** DATABASE_READ_URLS: PostgreSQL replicas of a PostgreSQL primary; SQLite has none to offer. */
function replicaSettings(raw: RawEnv, database: DatabaseTarget): ReplicaSettings {
  const urls = raw.DATABASE_READ_URLS;
  if (urls.length > 0 && database.driver !== 'postgresql') {
    throw new ConfigError(
      'invalid DATABASE_READ_URLS: read replicas need a postgresql:// DATABASE_URL (SQLite has none)',
    );
  }
  for (const url of urls) {
    if (!/^postgres(ql)?:\/\//.test(url) || parseDatabaseUrl(url).driver !== 'postgresql') {
      throw new ConfigError('invalid DATABASE_READ_URLS: expected comma-separated postgresql://user@host:port/db URLs');
    }
  }
  return {
    urls,
    maxLagMs: raw.DB_REPLICA_MAX_LAG_MS,
    checkIntervalMs: raw.DB_REPLICA_CHECK_MS,
    readAfterWaitMs: raw.DB_READ_AFTER_WAIT_MS,
  };
}

/** `PORT=` in a unit file or `.env` means "not set", so the default applies rather than a parse error. */
function blanksAsUnset(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === '' ? undefined : value]));
}
