import { runLoad } from './load.ts';
import { soakRequest } from './scenarios.ts';
import type { Memory, Server } from './servers.ts';

export const SOAK_REQUESTS = 100_000;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const grow = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`;
const show = (label: string, m: Memory) =>
  console.log(`${label.padEnd(7)} rss ${mb(m.rss)}  heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)}`);

/**
 * 100 000 mixed requests in two halves; memory after a GC at start, middle and end. A leak shows
 * as growth from middle to end (the start is before the JIT and caches have warmed up).
 */
export async function runSoak(app: Server, connections: number): Promise<void> {
  const start = await app.memory();
  show('start', start);
  const half = SOAK_REQUESTS / 2;
  const first = await runLoad(app.url, soakRequest, { connections, duration: 0, amount: half });
  const middle = await app.memory();
  show('middle', middle);
  const second = await runLoad(app.url, soakRequest, { connections, duration: 0, amount: half });
  const end = await app.memory();
  show('end', end);
  console.log(
    `\n${first.total + second.total} requests, ${first.non2xx + second.non2xx} non-2xx, ${first.errors + second.errors} errors, ` +
      `${Math.round((first.rps + second.rps) / 2)} req/s\n` +
      `middle → end: rss ${grow(middle.rss, end.rss)}, heap used ${grow(middle.heapUsed, end.heapUsed)}`,
  );
}
