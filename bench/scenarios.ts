import { SEED_POSTS, SEED_USERS, seedName } from './seed.ts';

/** One HTTP request a scenario sends. */
export interface BenchRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: string;
}

export interface Scenario {
  name: string;
  /** `rows/s` scenarios count rows, not requests (bulk: rows per request; export: rows streamed). */
  unit: 'req/s' | 'rows/s';
  rowsPerRequest?: number;
  /** Connections for this scenario, given the `--connections` flag. */
  connections?: (flag: number) => number;
  /** A fresh request each call (random ids, unique names). */
  next: () => BenchRequest;
  /**
   * For scenarios whose requests depend on what a server answered (cursors): reads what it needs
   * from the server at `url` and returns that server's request generator. Throws when the server
   * does not serve the route.
   */
  prepare?: (url: string, headers: Record<string, string>) => Promise<() => BenchRequest>;
}

export const BULK_SIZE = 1000;
/** The deep-page scenarios read pages 501–1000 of 20 (rows 10 001–20 000). */
const DEEP_FIRST_PAGE = 500;
const DEEP_PAGES = 500;
/** Connections of the deep-page scenarios. */
const DEEP_CONNECTIONS = 8;
/** Rows in the users table for the export scenario. */
export const EXPORT_ROWS = 200_000;

/** Unique across the whole run, so created names never collide with each other or the seed. */
let counter = 0;
const unique = (prefix: string) => `${prefix}${(++counter).toString(36)}${process.pid.toString(36)}`;
const randomInt = (max: number) => 1 + Math.floor(Math.random() * max);
const json = (value: unknown) => JSON.stringify(value);
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];

/**
 * Walks `GET /posts?limit=100` from the start and keeps every `nextCursor` past row 10 000: what a
 * client paging that deep would send. 200 requests, before the scenario's clock starts.
 */
async function deepCursors(url: string, headers: Record<string, string>): Promise<string[]> {
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let row = 0; row < SEED_POSTS; row += 100) {
    const query: string = cursor === null ? 'limit=100' : `limit=100&cursor=${encodeURIComponent(cursor)}`;
    const response = await fetch(`${url}/posts?${query}`, { headers });
    if (!response.ok) throw new Error(`GET /posts?limit=100 answered ${response.status}`);
    const page = (await response.json()) as { nextCursor?: string | null };
    if (typeof page.nextCursor !== 'string') break;
    cursor = page.nextCursor;
    if (row + 100 >= DEEP_FIRST_PAGE * 20) cursors.push(cursor);
  }
  if (cursors.length === 0) throw new Error('GET /posts?limit= gave no cursor past row 10 000');
  return cursors;
}

export const SCENARIOS: Scenario[] = [
  { name: 'get-user', unit: 'req/s', next: () => ({ method: 'GET', path: `/users/${randomInt(SEED_USERS)}` }) },
  {
    name: 'list-users',
    unit: 'req/s',
    next: () => ({ method: 'GET', path: `/users?page=${randomInt(SEED_USERS / 20)}&perPage=20` }),
  },
  {
    name: 'filter-by-name',
    unit: 'req/s',
    next: () => ({ method: 'GET', path: `/users?name=${seedName(randomInt(SEED_USERS))}` }),
  },
  {
    name: 'create-user',
    unit: 'req/s',
    next: () => {
      const name = unique('c');
      return { method: 'POST', path: '/users', body: json({ name, email: `${name}@bench.local` }) };
    },
  },
  {
    name: 'update-user',
    unit: 'req/s',
    next: () => ({ method: 'PATCH', path: `/users/${randomInt(SEED_USERS)}`, body: json({ name: unique('u') }) }),
  },
  {
    name: 'list-posts',
    unit: 'req/s',
    next: () => ({ method: 'GET', path: `/posts?page=${randomInt(SEED_POSTS / 20)}&perPage=20` }),
  },
  // Pages past the first 10 000 posts (of 20 000), by OFFSET: the database walks every skipped row.
  {
    name: 'list-posts-deep',
    unit: 'req/s',
    // Latency at depth, not queueing: 8 clients, so p99 shows what one deep page costs.
    connections: (flag) => Math.min(flag, DEEP_CONNECTIONS),
    next: () => ({ method: 'GET', path: `/posts?page=${DEEP_FIRST_PAGE + randomInt(DEEP_PAGES)}&perPage=20` }),
  },
  // The same depth by keyset: cursors read from the server's own chain, each continuing past row 10 000.
  {
    name: 'list-posts-deep-cursor',
    unit: 'req/s',
    connections: (flag) => Math.min(flag, DEEP_CONNECTIONS),
    next: () => {
      throw new Error('list-posts-deep-cursor needs prepare()');
    },
    prepare: async (url, headers) => {
      const cursors = await deepCursors(url, headers);
      return () => ({ method: 'GET', path: `/posts?limit=20&cursor=${encodeURIComponent(pick(cursors))}` });
    },
  },
  // Measured by streaming (see load.ts measureExport), not with autocannon. Before bulk-create,
  // so the table holds the 200 000 rows the target names rather than whatever bulk-create added.
  { name: 'export', unit: 'rows/s', next: () => ({ method: 'GET', path: '/users/export' }) },
  {
    name: 'bulk-create',
    unit: 'rows/s',
    rowsPerRequest: BULK_SIZE,
    // A thousand rows per request: a few connections keep the server busy without queueing seconds.
    connections: (flag) => Math.min(flag, 4),
    next: () => {
      const items = Array.from({ length: BULK_SIZE }, () => {
        const name = unique('b');
        return { name, email: `${name}@bench.local` };
      });
      return { method: 'POST', path: '/users/bulk', body: json(items) };
    },
  },
];

/** The soak's mix: mostly reads, a share of writes, every user route. */
export function soakRequest(): BenchRequest {
  const pick = Math.random();
  if (pick < 0.4) return SCENARIOS[0].next();
  if (pick < 0.55) return SCENARIOS[1].next();
  if (pick < 0.7) return SCENARIOS[2].next();
  if (pick < 0.85) return SCENARIOS[3].next();
  return SCENARIOS[4].next();
}
