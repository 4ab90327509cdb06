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
