import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './env.schema.js';
import { parseDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it('reads SQLite files, relative and absolute, and the in-memory database', () => {
    expect(parseDatabaseUrl('sqlite:data/app.sqlite3')).toEqual({
      driver: 'sqlite',
      file: resolve('data/app.sqlite3'),
      inMemory: false,
    });
    expect(parseDatabaseUrl('sqlite://data/x.db')).toMatchObject({ file: resolve('data/x.db') });
    expect(parseDatabaseUrl('sqlite:///var/tmp/x.db')).toMatchObject({ file: '/var/tmp/x.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ driver: 'sqlite', file: ':memory:', inMemory: true });
  });

  it('reads PostgreSQL URLs', () => {
    expect(parseDatabaseUrl('postgresql://postgres@127.0.0.1:5432/test')).toMatchObject({
      driver: 'postgresql',
      dbName: 'test',
    });
    expect(parseDatabaseUrl('postgres://u:p@db/app')).toMatchObject({ driver: 'postgresql', dbName: 'app' });
  });

  it.each(['mysql://root@localhost/test', 'nonsense', 'sqlite:', 'postgresql://host-only', 'postgresql://'])(
    'refuses %s with a one-line ConfigError naming DATABASE_URL',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(ConfigError);
      expect(() => parseDatabaseUrl(url)).toThrow(/DATABASE_URL/);
    },
  );

  it('never echoes a password', () => {
    expect(() => parseDatabaseUrl('mongodb://user:secret@host/db')).toThrow(/user:\*\*\*@/);
  });
});

describe('loadConfig', () => {
  it('defaults to the embedded SQLite file data/app.sqlite3 on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, dbDebug: false, nodeEnv: 'development' });
    expect(config.database).toMatchObject({ driver: 'sqlite', file: resolve('data/app.sqlite3') });
  });

  it('reads DB_DEBUG=1 and refuses a bad PORT in one line', () => {
    expect(loadConfig({ DB_DEBUG: '1' }).dbDebug).toBe(true);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^invalid PORT/);
  });
});
