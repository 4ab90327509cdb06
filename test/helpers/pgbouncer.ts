import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './app-process.js';
import { testPostgresUrl } from './postgres-admin.js';
import { tempDir } from './temp-dir.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';

/** A real PgBouncer in front of TEST_POSTGRES_URL's server, in a temp dir of its own. */
export interface PgBouncer {
  port: number;
  /** `postgresql://…` of `database` through this PgBouncer. */
  url(database: string): string;
  /** What PgBouncer logged so far. */
  log(): string;
  /** SIGTERM to its PID, wait for the exit, remove its folder. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database and user (PgBouncer's default_pool_size); 5 by default. */
  poolSize?: number;
}

/**
 * Starts Debian's PgBouncer (1.18) in transaction pool mode on a free port of 127.0.0.1, as user
 * postgres (it refuses to run as root), with every database of the test server behind it and
 * trust authentication, and resolves once it accepts connections. Installs Debian's package when
 * it is missing (as root), or fails with one clear line.
 */
export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  installPgBouncer();
  const server = new URL(testPostgresUrl());
  const user = decodeURIComponent(server.username || 'postgres');
  const port = await freePort();
  const dir = tempDir('users-service-pgbouncer-');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const file = (name: string) => join(dir.path, name);
  writeFileSync(file('users.txt'), `"${user}" ""\n`);
  writeFileSync(
    file('pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${file('users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 5}`,
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
      `logfile = ${file('pgbouncer.log')}`,
      `pidfile = ${file('pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  for (const name of ['', 'users.txt', 'pgbouncer.ini']) chownSync(file(name), uid, gid);

  const child: ChildProcess = spawn(PGBOUNCER, [file('pgbouncer.ini')], {
    uid,
    gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const log = () =>
    (existsSync(file('pgbouncer.log')) ? readFileSync(file('pgbouncer.log'), 'utf8') : '') + output.join('');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    dir.remove();
  };
  for (let waited = 0; !(await accepts(port)); waited += 50) {
    if (child.exitCode !== null || waited > 10_000) {
      await stop();
      throw new Error(`PgBouncer did not start on port ${port}:\n${log()}`);
    }
    await sleep(50);
  }
  return {
    port,
    url: (database) => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    log,
    stop,
  };
}

/**
 * Installs Debian's pgbouncer package when it is missing (CI runs as root on a fresh machine), or
 * throws one line saying how to.
 */
function installPgBouncer(): void {
  if (existsSync(PGBOUNCER)) return;
  const how = 'apt-get install -y pgbouncer';
  if (process.getuid?.() !== 0) throw new Error(`PgBouncer is not installed (${PGBOUNCER} missing): run ${how}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args: string[]) => execFileSync('apt-get', args, { env, stdio: 'ignore', timeout: 170_000 });
  try {
    try {
      apt('install', '-y', 'pgbouncer');
    } catch {
      apt('update');
      apt('install', '-y', 'pgbouncer');
    }
  } catch (error) {
    throw new Error(`PgBouncer is not installed and \`${how}\` failed: ${(error as Error).message}`, { cause: error });
  }
  if (!existsSync(PGBOUNCER)) throw new Error(`PgBouncer is not installed: \`${how}\` left no ${PGBOUNCER}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}
