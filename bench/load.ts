import { request } from 'node:http';
import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios.ts';
import type { Server } from './servers.ts';

const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

export interface LoadResult {
  /** 2xx responses per second. */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
  seconds: number;
}

export interface LoadOptions {
  connections: number;
  /** Seconds; ignored when `amount` is given. */
  duration: number;
  amount?: number;
  /** Sent with every request (e.g. `authorization` when the app runs with API_TOKEN). */
  headers?: Record<string, string>;
}

/** Runs autocannon against `url`, each request made fresh by `next`. */
export async function runLoad(url: string, next: () => BenchRequest, options: LoadOptions): Promise<LoadResult> {
  const plain = options.headers ?? {};
  const withBody = { ...plain, ...JSON_HEADERS };
  const result = await autocannon({
    url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
    timeout: 30,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const r = next();
          return {
            ...req,
            method: r.method,
            path: r.path,
            body: r.body,
            headers: r.body ? withBody : plain,
          };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
    seconds: result.duration,
  };
}

/** Sends one request; resolves with its status (0 when the connection fails). */
export function probe(url: string, r: BenchRequest, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${r.path}`,
      { method: r.method, headers: r.body ? { ...headers, ...JSON_HEADERS } : headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(r.body);
  });
}

export interface ExportResult {
  status: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Largest RSS of the server (all its processes) sampled every 10 ms during the export. */
  peakRss: number;
}

/** Streams `GET /users/export` once, counting NDJSON lines while sampling the server's RSS. */
export function measureExport(server: Server, headers: Record<string, string> = {}): Promise<ExportResult> {
  return new Promise((resolve, reject) => {
    let peakRss = server.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rss())), 10);
    const started = performance.now();
    let rows = 0;
    const req = request(`${server.url}/users/export`, { headers }, (res) => {
      res.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
      });
      res.on('end', () => {
        clearInterval(sampler);
        const seconds = (performance.now() - started) / 1000;
        peakRss = Math.max(peakRss, server.rss());
        resolve({ status: res.statusCode ?? 0, rows, seconds, rowsPerSecond: rows / seconds, peakRss });
      });
    });
    req.on('error', (error) => {
      clearInterval(sampler);
      reject(error);
    });
    req.end();
  });
}
