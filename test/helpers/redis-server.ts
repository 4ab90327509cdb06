import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { freePort } from './app-process.js';

/**
 * A throwaway redis-server on a free port of 127.0.0.1 (no persistence), for specs that stop it:
 * the machine's 6379 is never touched. `kill()` stops it by its PID; `start()` brings it back on
 * the same port. Always `kill()` it in afterAll.
 */
export interface RedisServer {
  port: number;
  url: string;
  pid(): number | undefined;
  start(): Promise<void>;
  kill(): Promise<void>;
  /** Makes the server stall (answer nothing) for `seconds`, as a hung Redis would; resolves at once. */
  stall(seconds: number): void;
}

/** A port for a Redis that is not started yet (`start()` it when the spec wants it up). */
export async function redisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid,
    async start() {
      child = spawn(
        'redis-server',
        // DEBUG SLEEP (a stalled Redis) is refused unless enabled; `local`: from 127.0.0.1 only.
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--enable-debug-command',
          'local',
        ],
        { stdio: 'ignore' },
      );
      await untilAnswers(port);
    },
    stall(seconds) {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(`DEBUG SLEEP ${seconds}\r\n`));
      socket.on('error', () => undefined);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits (at most 10 s) until Redis answers PING on `port`. */
async function untilAnswers(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('connect', () => socket.write('PING\r\n'));
    });
    if (pong) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
