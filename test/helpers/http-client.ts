import http from 'node:http';
import net from 'node:net';

/** What one request got: an answer, or the connection-level error that stood for one. */
export interface Outcome {
  status?: number;
  /** The response's `Connection` header, lowercased (`close` when the server ends the connection). */
  connection?: string;
  body?: string;
  /** `ECONNRESET`, `ECONNREFUSED`, …: the request got no answer. */
  error?: string;
  /** `Date.now()` when the outcome was known. */
  at: number;
}

/**
 * One request through node:http on `agent` (a keep-alive agent reuses its connections, as a
 * real client does), resolved with the answer or the error code; never rejects.
 */
export function send(
  agent: http.Agent,
  url: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: hostname,
        port,
        method,
        path,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            connection: res.headers.connection?.toLowerCase(),
            body: Buffer.concat(chunks).toString('utf8'),
            at: Date.now(),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ error: error.code ?? error.message, at: Date.now() }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, at: Date.now() }));
    req.end(payload);
  });
}

/** A raw TCP connection to `url`'s host and port, resolved once connected (or rejected with the error). */
export function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** What a raw connection received until the server closed it, and when. */
export interface Closed {
  /** Everything the server sent (e.g. `HTTP/1.1 408 Request Timeout…`), as text. */
  received: string;
  /** The error that ended the connection, if it did not end cleanly. */
  error?: string;
  at: number;
}

/** Resolves when the server ends `socket`, with what it sent. */
export function whenClosed(socket: net.Socket): Promise<Closed> {
  let received = '';
  let error: string | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  return new Promise((resolve) => socket.once('close', () => resolve({ received, error, at: Date.now() })));
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` so a stuck load cannot hang the spec. */
export async function until(condition: () => boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
