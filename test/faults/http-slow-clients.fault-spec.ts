import http from 'node:http';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { connect, send, whenClosed, type Closed, type Outcome } from '../helpers/http-client.js';

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
const KEEP_ALIVE_TIMEOUT_MS = 1500;
/** Node checks the deadlines every second at most (see http-server-settings.ts), and the machine is shared. */
const SLACK_MS = 4000;

/** Writes `text` one byte every `everyMs` until the server closes the socket; resolves when it does. */
async function trickle(socket: net.Socket, text: string, everyMs: number): Promise<void> {
  for (let i = 0; !socket.destroyed && socket.writable; i = (i + 1) % text.length) {
    socket.write(text[i]);
    await sleep(everyMs);
  }
}

/** A well-behaved client: one request after the other on fresh connections until `stop()`; its outcomes. */
function normalClient(url: string, request: () => [string, string, unknown?]) {
  const agent = new http.Agent({ keepAlive: false });
  const outcomes: Outcome[] = [];
  const state = { running: true };
  const done = (async () => {
    while (state.running) {
      const [method, path, body] = request();
      outcomes.push(await send(agent, url, method, path, body, 10_000));
      await sleep(50);
    }
  })();
  return {
    outcomes,
    stop: async () => {
      state.running = false;
      await done;
      return outcomes;
    },
  };
}

let app: RunningApp;
beforeAll(async () => {
  app = await startAppProcess({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
  });
});
afterAll(() => app?.stop());

describe('slow clients', () => {
  it('cuts a slowloris (headers a byte at a time) after HTTP_HEADERS_TIMEOUT_MS while normal clients are served', async () => {
    const normal = normalClient(app.url, () => ['GET', '/users?perPage=1']);
    const startedAt = Date.now();
    const sockets = await Promise.all(Array.from({ length: 200 }, () => connect(app.url)));
    const closed = sockets.map((socket) => whenClosed(socket));
    for (const socket of sockets) {
      socket.write('GET /users HTTP/1.1\r\nHost: slow\r\n');
      void trickle(socket, 'X-Slow: still-coming\r\n', 250);
    }
    const results: Closed[] = await Promise.all(closed);
    const outcomes = await normal.stop();

    for (const result of results) {
      expect(result.received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(result.at - startedAt).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(result.at - startedAt).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    }
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.map((o) => o.status ?? o.error).filter((s) => s !== 200)).toEqual([]);
  });

  it('cuts a slow body after HTTP_REQUEST_TIMEOUT_MS, storing nothing of it, while normal writes are served', async () => {
    let n = 0;
    const normal = normalClient(app.url, () => {
      const name = `normal-${n++}`;
      return ['POST', '/users', { name, email: `${name}@x.test` }];
    });
    const body = JSON.stringify({ name: 'slow-body', email: 'slow@x.test' });
    const startedAt = Date.now();
    const sockets = await Promise.all(Array.from({ length: 50 }, () => connect(app.url)));
    const closed = sockets.map((socket) => whenClosed(socket));
    for (const socket of sockets) {
      socket.write(
        `POST /users HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      // The whole body would take 250 ms × its length (~12 s): well past the request deadline.
      void trickle(socket, body, 250);
    }
    const results = await Promise.all(closed);
    const outcomes = await normal.stop();

    for (const result of results) {
      expect(result.received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(result.at - startedAt).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(result.at - startedAt).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    }
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.map((o) => o.status ?? o.error).filter((s) => s !== 201)).toEqual([]);
    const agent = new http.Agent();
    const list = await send(agent, app.url, 'GET', '/users?perPage=100');
    const names = (JSON.parse(list.body!) as { items: { name: string }[] }).items.map((u) => u.name);
    expect(names).not.toContain('slow-body');
    expect(names.length).toBe(outcomes.length);
  });
});

describe('HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
  it('says its keep-alive timeout and closes an idle keep-alive connection after it', async () => {
    const socket = await connect(app.url);
    const closed = whenClosed(socket);
    socket.write('GET /users?perPage=1 HTTP/1.1\r\nHost: idle\r\n\r\n');
    const answeredAt = Date.now();
    const result = await closed;
    expect(result.received).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(result.received).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
    expect(result.at - answeredAt).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 100);
    expect(result.at - answeredAt).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + SLACK_MS);
  });
});

describe('HTTP_MAX_CONNECTIONS', () => {
  it('closes connections past the limit at once and serves again when some close', async () => {
    const limited = await startAppProcess({ HTTP_MAX_CONNECTIONS: '20' });
    try {
      const agent = new http.Agent({ keepAlive: false });
      const idle = await Promise.all(Array.from({ length: 20 }, () => connect(limited.url)));
      // Let the server accept all twenty before the next one knocks.
      await sleep(200);
      const over = await send(agent, limited.url, 'GET', '/users', undefined, 5000);
      expect(over.error).toMatch(/ECONNRESET|EPIPE/);
      for (const socket of idle.slice(0, 5)) socket.destroy();
      await sleep(200);
      expect((await send(agent, limited.url, 'GET', '/users', undefined, 5000)).status).toBe(200);
      for (const socket of idle) socket.destroy();
    } finally {
      await limited.stop();
    }
  });
});
