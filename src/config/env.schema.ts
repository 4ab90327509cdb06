import { z } from 'zod';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
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

  // Database failures (issue 14): deadlines, readiness.
  /** Longest one SQL statement may run, in ms (PostgreSQL statement_timeout plus a client-side query timeout; SQLite's busy_timeout); 0: no limit. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** Longest a whole request may take, in ms: past it the client gets a 503 and the request's remaining database work is aborted; 0: no limit. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** How long GET /health/ready waits for the database (on its own connection) before answering 503, in ms. */
  HEALTH_READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  // PostgreSQL driver: bound parameters and prepared statements (src/database/postgresql/).
  /**
   * PostgreSQL: run each statement as a named prepared statement on its connection (default on,
   * for a direct connection); `0` through PgBouncer in transaction mode, which cannot keep them.
   */
  DB_PREPARED_STATEMENTS: z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
    .default('1')
    .transform((value) => value === '1' || value === 'true' || value === 'yes'),

  // --- HTTP edge (branch faults-http): server deadlines, connection limits, shutdown, rate limits ---
  /** Longest a client may take to send a request's headers (slowloris), in ms; answered 408 and closed. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** Longest a client may take to send a whole request, body included (slow uploads), in ms; not the response. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How long an idle keep-alive connection stays open, in ms (above a proxy's idle timeout, below the client's). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** Most open connections per process; more are closed at once (0: no limit). */
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** Listen backlog: connections the kernel queues before the process accepts them (capped by net.core.somaxconn). */
  HTTP_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(4096),
  /** After SIGTERM, how long to keep serving with readiness at 503 before the port closes (lets a balancer stop routing here). */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /** Rate limiting per client IP with @nestjs/throttler (off by default). */
  RATE_LIMIT: flag,
  /** The rate limits' window, in ms: each route class allows its count per client per window. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** Reads (GET, HEAD) per client per window. */
  RATE_LIMIT_READS: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Writes (POST, PUT, PATCH, DELETE) per client per window. */
  RATE_LIMIT_WRITES: z.coerce.number().int().min(1).max(1_000_000).default(120),
  /** Bulk routes (POST /users/bulk, GET /users/export) per client per window. */
  RATE_LIMIT_BULK: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /**
   * Which proxies in front of the service to believe about the client's address (X-Forwarded-For),
   * for the rate limits' per-client counts: empty (default) believes none, so every client behind
   * one proxy shares its address; a hop count (`1`: the nearest proxy); or comma-separated
   * addresses, subnets and the names `loopback`, `linklocal`, `uniquelocal` (Express's `trust proxy`).
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if (parsed !== undefined) return parsed;
      ctx.issues.push({
        code: 'custom',
        input: value,
        message:
          'expected a hop count (1-99) or comma-separated addresses, subnets, loopback, linklocal or uniquelocal',
      });
      return z.NEVER;
    }),
  /** `redis://…`: where the rate limits are counted, shared by every worker and instance (unset: in memory, per process). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected redis://… or rediss://…')
    .optional(),

  // --- The API as a contract: conditional requests, idempotent retries, cursor pages (issue 15) ---
  /** Refuse `PATCH`/`DELETE` without `If-Match` (428), so no client can overwrite a change it never saw. */
  REQUIRE_IF_MATCH: flag,
  /** How long a stored `Idempotency-Key` (and its response) is kept for replay, in hours. */
  IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(24),
  /**
   * Signs cursor-page cursors (HMAC-SHA256), at least 32 characters. Unset: derived from the
   * database URL, so every instance on one database accepts the others' cursors.
   */
  CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Test builds only (`NODE_ENV=test`): SIGKILL the process right after an idempotent request's commit, before its response. */
  TEST_KILL_AFTER_IDEMPOTENT_COMMIT: flag,

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

const SECRET_VARIABLES = new Set(['API_TOKEN', 'DATABASE_URL', 'REDIS_URL', 'CURSOR_SECRET', 'DATABASE_READ_URLS']);

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
  /** `PATCH`/`DELETE` without `If-Match` answer 428. */
  requireIfMatch: boolean;
  idempotencyTtlHours: number;
  /** The key that signs cursors (CURSOR_SECRET, or derived from the database URL). */
  cursorSecret: string;
  /** Always false outside `NODE_ENV=test`. */
  testKillAfterIdempotentCommit: boolean;
  // Database failures (issue 14).
  /** 0: no limit. */
  dbStatementTimeoutMs: number;
  /** 0: no limit. */
  requestTimeoutMs: number;
  readyTimeoutMs: number;
  /** DB_PREPARED_STATEMENTS (PostgreSQL only). */
  dbPreparedStatements: boolean;
  /** HTTP server deadlines and limits (src/http/http-server-settings.ts applies them). */
  http: HttpServerSettings;
  shutdownDelayMs: number;
  rateLimit: RateLimitSettings;
  /** Read replicas (DATABASE_READ_URLS); `urls` is empty without them. */
  dbReplicas: ReplicaSettings;
  /** Express's `trust proxy`: false (no proxy believed), a hop count, or addresses, subnets and names. */
  trustProxy: TrustProxy;
}

export type TrustProxy = false | number | string[];

/** Names Express's `trust proxy` accepts for address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Express's `trust proxy` setting from TRUST_PROXY, or undefined when the value is not one. */
function parseTrustProxy(value: string): TrustProxy | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return false;
  if (/^[1-9][0-9]?$/.test(trimmed)) return Number(trimmed);
  const items = trimmed.split(',').map((item) => item.trim());
  return items.every(isProxyRange) ? items : undefined;
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8` or a range name; the prefix length within the family's bits. */
function isProxyRange(item: string): boolean {
  if (PROXY_RANGE_NAMES.has(item)) return true;
  const [address, prefix, extra] = item.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export interface HttpServerSettings {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no limit. */
  maxConnections: number;
  backlog: number;
}

/** The route classes a rate limit applies to, each with its own count per window. */
export type RateLimitClass = 'reads' | 'writes' | 'bulk';

export interface RateLimitSettings {
  enabled: boolean;
  windowMs: number;
  limits: Record<RateLimitClass, number>;
  /** `undefined`: counted in memory, per process. */
  redisUrl: string | undefined;
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
    requireIfMatch: raw.REQUIRE_IF_MATCH,
    idempotencyTtlHours: raw.IDEMPOTENCY_TTL_HOURS,
    cursorSecret: raw.CURSOR_SECRET ?? derivedCursorSecret(raw.DATABASE_URL),
    testKillAfterIdempotentCommit: raw.NODE_ENV === 'test' && raw.TEST_KILL_AFTER_IDEMPOTENT_COMMIT,
    dbStatementTimeoutMs: raw.DB_STATEMENT_TIMEOUT_MS,
    requestTimeoutMs: raw.REQUEST_TIMEOUT_MS,
    readyTimeoutMs: readyTimeoutMs(raw),
    dbPreparedStatements: raw.DB_PREPARED_STATEMENTS,
    http: httpServerSettings(raw),
    shutdownDelayMs: raw.SHUTDOWN_DELAY_MS,
    rateLimit: {
      enabled: raw.RATE_LIMIT,
      windowMs: raw.RATE_LIMIT_WINDOW_MS,
      limits: { reads: raw.RATE_LIMIT_READS, writes: raw.RATE_LIMIT_WRITES, bulk: raw.RATE_LIMIT_BULK },
      redisUrl: raw.REDIS_URL,
    },
    dbReplicas: replicaSettings(raw, database),
    trustProxy: raw.TRUST_PROXY,
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

/**
 * HEALTH_READY_TIMEOUT_MS, below the request deadline: otherwise a stalled database makes the
 * deadline answer `/health/ready` (a generic 503) before the check can say which dependency failed.
 */
function readyTimeoutMs(raw: RawEnv): number {
  if (raw.REQUEST_TIMEOUT_MS > 0 && raw.HEALTH_READY_TIMEOUT_MS >= raw.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `invalid HEALTH_READY_TIMEOUT_MS: must be below REQUEST_TIMEOUT_MS (${raw.HEALTH_READY_TIMEOUT_MS} >= ${raw.REQUEST_TIMEOUT_MS})`,
    );
  }
  return raw.HEALTH_READY_TIMEOUT_MS;
}

/** The HTTP_* variables; headers come before the rest of the request, so their deadline cannot be the later one. */
function httpServerSettings(raw: RawEnv): HttpServerSettings {
  if (raw.HTTP_HEADERS_TIMEOUT_MS > raw.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `invalid HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${raw.HTTP_HEADERS_TIMEOUT_MS} > ${raw.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
  return {
    headersTimeoutMs: raw.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: raw.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: raw.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: raw.HTTP_MAX_CONNECTIONS,
    backlog: raw.HTTP_BACKLOG,
  };
}

/**
 * Without CURSOR_SECRET, cursors are signed with a key derived from the database URL: stable
 * across restarts and shared by every instance of one database (so a cursor from one instance
 * continues on another), and never the URL itself. Set CURSOR_SECRET where the URL is guessable.
 */
function derivedCursorSecret(databaseUrl: string): string {
  return createHash('sha256').update(`users-service cursor key\0${databaseUrl}`).digest('hex');
}

/** `PORT=` in a unit file or `.env` means "not set", so the default applies rather than a parse error. */
function blanksAsUnset(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === '' ? undefined : value]));
}
