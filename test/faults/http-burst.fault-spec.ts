import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startAppProcess } from '../helpers/app-process.js';
import { until } from '../helpers/http-client.js';

const BURST = 2000;

/** The kernel's cap on any listen backlog. */
const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));

/** The backlog the kernel gave the socket listening on `port` (`ss`'s Send-Q for a listener). */
function listenBacklog(port: number): number {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  return Number(out.split(/\s+/)[2]);
}

/** TcpExt ListenOverflows: machine-wide, so printed, not asserted (other processes share it). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const [names, values] = lines.map((l) => l.split(/\s+/));
  return Number(values[names.indexOf('ListenOverflows')]);
}

interface BurstResult {
  status?: string;
  error?: string;
}

/** One connection, one request with `Connection: close`: its status line, or the error that ended it. */
function oneRequest(port: number): Promise<BurstResult> {
  return new Promise((resolve) => {
    let received = '';
    let error: string | undefined;
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(30_000, () => socket.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })));
    socket.setEncoding('utf8');
    socket.on('connect', () =>
      socket.write('GET /users?perPage=1 HTTP/1.1\r\nHost: burst\r\nConnection: close\r\n\r\n'),
    );
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve(status ? { status } : { error: error ?? 'closed without an answer' });
    });
  });
}

describe.each([1, 2])('a %i-process service under a 2 000-connection burst', (workers) => {
  it('listens with the configured backlog and answers every connection', { timeout: 90_000 }, async () => {
    const app = await startAppProcess({ WORKERS: String(workers) });
    try {
      await until(() => app.stdout.filter((line) => line.includes('listening on')).length === workers, 60_000);
      const port = Number(new URL(app.url).port);
      // HTTP_BACKLOG's default (4096), as far as net.core.somaxconn lets it; Node's own is 511.
      expect(listenBacklog(port)).toBe(Math.min(4096, somaxconn));

      const overflowsBefore = listenOverflows();
      // Every connection opened in the same tick: the burst the backlog must absorb.
      const results = await Promise.all(Array.from({ length: BURST }, () => oneRequest(port)));
      const failed = results.filter((r) => r.status !== '200');
      console.log(
        `${workers} process(es): ${results.length - failed.length}/${BURST} answered 200; ` +
          `ListenOverflows +${listenOverflows() - overflowsBefore} (machine-wide); somaxconn ${somaxconn}`,
      );
      expect(failed).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
