import { execFile } from 'node:child_process';
import { chownSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './app-process.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A throwaway PostgreSQL 15 cluster for fault specs: its own data directory in a temp folder, its
 * own port on 127.0.0.1 and its own unix socket folder, trust auth, run as user `postgres`. A spec
 * may stop, restart or stall it at will; the machine's 5432 cluster (shared with every other
 * spec and engineer) is never touched. Always `remove()` it in afterAll: that stops it by its PID.
 */
export interface PostgresCluster {
  port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/<database>` (`postgres` by default). */
  url(database?: string): string;
  /** The postmaster's PID while it runs, from postmaster.pid. */
  pid(): number | undefined;
  /** Starts the stopped cluster and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the postmaster by its PID: `fast` (SIGINT, backends get 57P01) or `immediate` (SIGQUIT). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `stop(mode)` then `start()`; resolves with how long the cluster was down, in milliseconds. */
  restart(mode?: 'fast' | 'immediate'): Promise<number>;
  /** pg_terminate_backend on every client backend of `database` (57P01 on their next statement); how many. */
  terminateBackends(database: string): Promise<number>;
  /** Runs SQL as the superuser through the unix socket with psql; the unaligned, tuples-only output. */
  psql(sql: string, database?: string): Promise<string>;
  /** CREATE DATABASE `name`; its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the cluster (by PID, immediate) and deletes its folder. */
  remove(): Promise<void>;
}

export interface PostgresClusterOptions {
  /** Extra server settings, passed as `-c name=value` (max_connections, statement_timeout, …). */
  settings?: Record<string, string | number>;
}

/** initdb + pg_ctl start of a new cluster on a free port; resolves once it accepts connections. */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const dir = tempDir('users-service-pg-');
  const dataDir = join(dir.path, 'data');
  const socketDir = dir.path;
  const logFile = join(dir.path, 'server.log');
  chownSync(dir.path, uid('postgres'), gid('postgres'));
  const port = await freePort();
  const settings: Record<string, string | number> = {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    // A throwaway cluster: durability is not what these specs test, and fsync on a shared disk is slow.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: 100,
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');

  await asPostgres([join(BIN, 'initdb'), '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);

  const pid = (): number | undefined => {
    const file = join(dataDir, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const value = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(value) && value > 0 && alive(value) ? value : undefined;
  };

  const start = async (): Promise<void> => {
    await asPostgres([
      join(BIN, 'pg_ctl'),
      '-D',
      dataDir,
      '-l',
      logFile,
      '-o',
      serverOptions,
      '-w',
      '-t',
      '30',
      'start',
    ]);
  };

  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    const postmaster = pid();
    if (postmaster === undefined) return;
    process.kill(postmaster, mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    const deadline = Date.now() + 30_000;
    while (alive(postmaster)) {
      if (Date.now() > deadline) {
        process.kill(postmaster, 'SIGKILL');
        break;
      }
      await sleep(20);
    }
  };

  const psql = async (sql: string, database = 'postgres'): Promise<string> => {
    const { stdout } = await run(
      join(BIN, 'psql'),
      ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql],
      { timeout: 30_000 },
    );
    return stdout.trim();
  };

  await start();
  const url = (database = 'postgres'): string => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    pid,
    start,
    stop,
    async restart(mode = 'fast') {
      const down = Date.now();
      await stop(mode);
      await start();
      return Date.now() - down;
    },
    async terminateBackends(database) {
      // `database` is a spec's own constant; quoted as a literal all the same.
      const literal = `'${database.replaceAll("'", "''")}'`;
      const out = await psql(
        `select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity ` +
          `where datname = ${literal} and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      return Number(out);
    },
    psql,
    async createDatabase(name) {
      await psql(`create database "${name.replaceAll('"', '""')}"`);
      return url(name);
    },
    async remove() {
      await stop('immediate');
      dir.remove();
    },
  };
}

async function asPostgres(command: string[]): Promise<void> {
  try {
    await run('runuser', ['-u', 'postgres', '--', ...command], { timeout: 60_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function uid(user: string): number {
  return idOf(user, 2);
}

function gid(user: string): number {
  return idOf(user, 3);
}

/** Reads /etc/passwd rather than shelling out: field 2 is the uid, 3 the gid. */
function idOf(user: string, field: number): number {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${user}:`));
  if (!line) throw new Error(`no user ${user}: PostgreSQL's Debian package creates it`);
  return Number(line.split(':')[field]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
