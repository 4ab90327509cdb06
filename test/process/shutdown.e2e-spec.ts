import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppProcess, spawnApp } from '../helpers/app-process.js';

let child: AppProcess;
afterEach(() => child.stop());

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function tryConnect(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('SIGTERM', () => {
  it('stops accepting connections, lets the request in flight finish with 200, and exits 0', async () => {
    // TEST_REQUEST_DELAY_MS (honoured only with NODE_ENV=test) holds each request before its
    // handler, and logs when it does: that line says the request is surely in flight.
    child = await spawnApp({ NODE_ENV: 'test', TEST_REQUEST_DELAY_MS: '3000', SHUTDOWN_TIMEOUT_MS: '20000' });
    const url = await child.url();
    const slow = fetch(`${url}/users`, { headers: { 'X-Request-Id': 'in-flight' } }).then(
      async (res) => ({ status: res.status, body: await res.json() }),
      (error: Error) => ({ status: 0, body: error.message }),
    );
    await child.waitForLine(/holding GET \/users/);

    child.child.kill('SIGTERM');
    await child.waitForLine(/stopped accepting connections/);
    expect(await tryConnect(url)).toBe('ECONNREFUSED');

    expect(await slow).toEqual({ status: 200, body: expect.objectContaining({ items: [], total: 0 }) });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    // The request's own log line comes after the server stopped accepting: it was in flight.
    const stopped = child.stdout.findIndex((line) => line.includes('stopped accepting connections'));
    const served = child.stdout.findIndex((line) => /GET \/users 200 .*id=in-flight/.test(line));
    expect(served).toBeGreaterThan(stopped);
    expect(child.stdout.slice(served).join('\n')).toMatch(/requests in flight finished/);
  });

  it('cuts requests still running after SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    child = await spawnApp({ NODE_ENV: 'test', TEST_REQUEST_DELAY_MS: '60000', SHUTDOWN_TIMEOUT_MS: '300' });
    const url = await child.url();
    const stuck = fetch(`${url}/users`).then(
      (res) => `status ${res.status}`,
      () => 'connection closed',
    );
    await child.waitForLine(/holding GET \/users/);

    child.child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(await stuck).toBe('connection closed');
    expect(child.stdout.join('\n')).toMatch(/still running after 300ms/);
  });
});
