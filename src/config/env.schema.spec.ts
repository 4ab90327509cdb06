import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './env.schema.js';

describe('loadConfig', () => {
  it('gives every variable its default', () => {
    expect(loadConfig({})).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      database: { driver: 'sqlite' },
      dbDebug: false,
      dbStatementBudget: 25,
      metrics: false,
      logLevel: 'log',
      logFormat: 'text',
      apiToken: undefined,
      corsOrigins: [],
      shutdownTimeoutMs: 10_000,
      testRequestDelayMs: 0,
    });
  });

  it('types what it reads: numbers, flags, lists; a blank value counts as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      DB_DEBUG: 'yes',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      CORS_ORIGINS: ' https://a.example ,, https://b.example',
      SHUTDOWN_TIMEOUT_MS: '2500',
      HOST: '',
      METRICS: '1',
      DB_STATEMENT_BUDGET: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      dbDebug: true,
      logLevel: 'debug',
      logFormat: 'json',
      corsOrigins: ['https://a.example', 'https://b.example'],
      shutdownTimeoutMs: 2500,
      host: '127.0.0.1',
      metrics: true,
      dbStatementBudget: 0,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^invalid PORT: .*"eighty"/],
    [{ PORT: '70000' }, /^invalid PORT: /],
    [{ LOG_LEVEL: 'loud' }, /^invalid LOG_LEVEL: .*"loud"/],
    [{ DATABASE_URL: 'mysql://x/y' }, /^invalid DATABASE_URL: /],
    [{ SHUTDOWN_TIMEOUT_MS: '-1' }, /^invalid SHUTDOWN_TIMEOUT_MS: /],
    [{ DB_STATEMENT_BUDGET: 'lots' }, /^invalid DB_STATEMENT_BUDGET: .*"lots"/],
    [{ METRICS: 'on' }, /^invalid METRICS: .*"on"/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('turns named prepared statements on by default, off with DB_PREPARED_STATEMENTS=0 (PgBouncer)', () => {
    expect(loadConfig({}).dbPreparedStatements).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: '' }).dbPreparedStatements).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: '0' }).dbPreparedStatements).toBe(false);
    expect(() => loadConfig({ DB_PREPARED_STATEMENTS: 'off' })).toThrow(/^invalid DB_PREPARED_STATEMENTS: .*"off"/);
  });

  it('never repeats a rejected API_TOKEN in its message', () => {
    expect(() => loadConfig({ API_TOKEN: 'short' })).toThrow(/^invalid API_TOKEN: [^"]*$/);
  });

  it('refuses production without API_TOKEN unless ALLOW_ANONYMOUS=1', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/refusing to start.*API_TOKEN/);
    expect(loadConfig({ NODE_ENV: 'production', ALLOW_ANONYMOUS: '1' }).apiToken).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', API_TOKEN: 'x'.repeat(32) }).apiToken).toBe('x'.repeat(32));
  });

  it('honours TEST_REQUEST_DELAY_MS only when NODE_ENV=test', () => {
    expect(loadConfig({ NODE_ENV: 'test', TEST_REQUEST_DELAY_MS: '500' }).testRequestDelayMs).toBe(500);
    expect(loadConfig({ NODE_ENV: 'development', TEST_REQUEST_DELAY_MS: '500' }).testRequestDelayMs).toBe(0);
  });

  describe('HTTP edge (server deadlines, limits, shutdown, rate limits)', () => {
    it('defaults: deadlines well under Node 300 s, a 4096 backlog, rate limiting off and in memory', () => {
      expect(loadConfig({})).toMatchObject({
        http: {
          headersTimeoutMs: 10_000,
          requestTimeoutMs: 30_000,
          keepAliveTimeoutMs: 5000,
          maxConnections: 10_000,
          backlog: 4096,
        },
        shutdownDelayMs: 0,
        rateLimit: {
          enabled: false,
          windowMs: 60_000,
          limits: { reads: 600, writes: 120, bulk: 10 },
          redisUrl: undefined,
        },
      });
    });

    it('reads each variable', () => {
      const config = loadConfig({
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_REQUEST_TIMEOUT_MS: '4000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
        HTTP_MAX_CONNECTIONS: '0',
        HTTP_BACKLOG: '1024',
        SHUTDOWN_DELAY_MS: '5000',
        RATE_LIMIT: '1',
        RATE_LIMIT_WINDOW_MS: '1000',
        RATE_LIMIT_READS: '7',
        RATE_LIMIT_WRITES: '5',
        RATE_LIMIT_BULK: '2',
        REDIS_URL: 'redis://127.0.0.1:6379/2',
      });
      expect(config).toMatchObject({
        http: {
          headersTimeoutMs: 2000,
          requestTimeoutMs: 4000,
          keepAliveTimeoutMs: 65_000,
          maxConnections: 0,
          backlog: 1024,
        },
        shutdownDelayMs: 5000,
        rateLimit: {
          enabled: true,
          windowMs: 1000,
          limits: { reads: 7, writes: 5, bulk: 2 },
          redisUrl: 'redis://127.0.0.1:6379/2',
        },
      });
    });

    it.each([
      [
        { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' },
        /^invalid HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS/,
      ],
      [
        { REQUEST_TIMEOUT_MS: '2000', HEALTH_READY_TIMEOUT_MS: '2000' },
        /^invalid HEALTH_READY_TIMEOUT_MS: must be below REQUEST_TIMEOUT_MS \(2000 >= 2000\)$/,
      ],
      [{ HTTP_BACKLOG: '0' }, /^invalid HTTP_BACKLOG: /],
      [{ HTTP_REQUEST_TIMEOUT_MS: 'soon' }, /^invalid HTTP_REQUEST_TIMEOUT_MS: .*"soon"/],
      [{ RATE_LIMIT_WRITES: '0' }, /^invalid RATE_LIMIT_WRITES: /],
      [{ REDIS_URL: 'localhost:6379' }, /^invalid REDIS_URL: expected redis:\/\/… or rediss:\/\/…$/],
    ])('rejects %o with one line', (env, message) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });

    it('never echoes REDIS_URL, which may carry a password', () => {
      expect(() => loadConfig({ REDIS_URL: 'http://user:secret@redis' })).toThrow(/^invalid REDIS_URL: [^"]*$/);
    });
  });

  describe('TRUST_PROXY', () => {
    it('believes no proxy by default; reads a hop count or a list of addresses, subnets and range names', () => {
      expect(loadConfig({}).trustProxy).toBe(false);
      expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
      expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8 ,192.0.2.7' }).trustProxy).toEqual([
        'loopback',
        '10.0.0.0/8',
        'fd00::/8',
        '192.0.2.7',
      ]);
    });

    it.each(['true', '0', '100', 'proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', 'loopback,,'])(
      'refuses %j with one line naming the variable',
      (value) => {
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/^invalid TRUST_PROXY: expected a hop count/);
      },
    );
  });

  describe('DATABASE_READ_URLS', () => {
    const primary = 'postgresql://u@db:5432/app';

    it('lists PostgreSQL replicas of a PostgreSQL primary, with the replica limits', () => {
      const config = loadConfig({
        DATABASE_URL: primary,
        DATABASE_READ_URLS: 'postgresql://u@r1:5432/app, postgresql://u@r2:5432/app',
        DB_REPLICA_MAX_LAG_MS: '500',
      });
      expect(config.dbReplicas).toEqual({
        urls: ['postgresql://u@r1:5432/app', 'postgresql://u@r2:5432/app'],
        maxLagMs: 500,
        checkIntervalMs: 250,
        readAfterWaitMs: 100,
      });
      expect(loadConfig({ DATABASE_URL: primary }).dbReplicas.urls).toEqual([]);
    });

    it('refuses replicas on SQLite with one line', () => {
      expect(() => loadConfig({ DATABASE_READ_URLS: 'postgresql://u@r1:5432/app' })).toThrow(
        /^invalid DATABASE_READ_URLS: read replicas need a postgresql:\/\/ DATABASE_URL/,
      );
    });

    it('refuses a read URL that is not postgresql://, without echoing it (it may hold a password)', () => {
      expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: 'mysql://u:secret@r1/app' })).toThrow(
        /^invalid DATABASE_READ_URLS: expected comma-separated postgresql:\/\/[^"]*$/,
      );
    });
  });
});
