/**
 * The practical ceiling on PostgreSQL: `node:http` + `pg` with a pool of DB_POOL_MAX (default 10)
 * connections and named prepared statements (parsed and planned once per connection), the same
 * routes and the same JSON as bench/baseline.server.ts and the app, on the app's schema, and
 * nothing else (no framework, no ORM).
 * Run by the bench: `DATABASE_URL=postgresql://… PORT=... WORKERS=N node bench/baseline-pg.server.ts`.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type QueryResultRow } from 'pg';

const BODY_LIMIT = 1024 * 1024;
const USER_COLUMNS = 'id, name, email, created_at, updated_at';

interface UserRow {
  id: number;
  name: string;
  email: string;
  created_at: Date;
  updated_at: Date;
}

/** Every statement the server runs, each a named prepared statement (`pg` prepares a name once per connection). */
const STATEMENTS = {
  byId: `select ${USER_COLUMNS} from users where id = $1`,
  page: `select ${USER_COLUMNS} from users order by id limit $1 offset $2`,
  count: 'select count(*) as n from users',
  pageByName: `select ${USER_COLUMNS} from users where name = $1 order by id limit $2 offset $3`,
  countByName: 'select count(*) as n from users where name = $1',
  insert: `insert into users (name, email, created_at, updated_at) values ($1, $2, $3, $3) returning ${USER_COLUMNS}`,
  // One statement for a whole batch: the arrays' elements become rows, in order.
  insertMany: `insert into users (name, email, created_at, updated_at)
    select name, email, $3, $3 from unnest($1::text[], $2::text[]) with ordinality as u(name, email, i)
    order by i returning id`,
  update: `update users set name = $1, email = $2, updated_at = $3 where id = $4 returning ${USER_COLUMNS}`,
  postsPage: `select p.id, p.title, p.body, p.created_at, u.id as author_id, u.name as author_name
    from posts p join users u on u.id = p.author_id
    order by p.created_at desc, p.id desc limit $1 offset $2`,
  postsCount: 'select count(*) as n from posts',
  postsFirst: `select p.id, p.title, p.body, p.created_at, u.id as author_id, u.name as author_name
    from posts p join users u on u.id = p.author_id
    order by p.created_at desc, p.id desc limit $1`,
  postsAfter: `select p.id, p.title, p.body, p.created_at, u.id as author_id, u.name as author_name
    from posts p join users u on u.id = p.author_id where (p.created_at, p.id) < ($2, $3)
    order by p.created_at desc, p.id desc limit $1`,
  exportChunk: `select ${USER_COLUMNS} from users where id > $1 order by id limit 1000`,
} as const;

type Statement = keyof typeof STATEMENTS;

function openDatabase(url: string) {
  const pool = new Pool({ connectionString: url, max: Number(process.env.DB_POOL_MAX ?? 10) });
  pool.on('error', () => undefined); // a dropped idle connection is replaced on the next query
  return {
    query: async <Row extends QueryResultRow>(name: Statement, values: unknown[] = []): Promise<Row[]> =>
      (await pool.query<Row>({ name, text: STATEMENTS[name], values })).rows,
    pool,
  };
}

type Db = ReturnType<typeof openDatabase>;

function view(row: UserRow) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function fail(res: ServerResponse, status: number, message: string): void {
  send(res, status, { statusCode: status, error: message, message });
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) reject(new Error('too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function pageParams(query: URLSearchParams): { page: number; perPage: number } | undefined {
  const page = Number(query.get('page') ?? '1');
  const perPage = Number(query.get('perPage') ?? '20');
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 100)
    return undefined;
  return { page, perPage };
}

/** The same checks as the app's schemas, in their simplest form: trimmed text within its limits. */
function userInput(body: unknown, partial: boolean): { name?: string; email?: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { name, email, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return undefined;
  const out: { name?: string; email?: string } = {};
  if (name !== undefined) {
    if (typeof name !== 'string' || name.trim().length < 1 || name.trim().length > 50) return undefined;
    out.name = name.trim();
  }
  if (email !== undefined) {
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email.trim()) || email.length > 120) return undefined;
    out.email = email.trim().toLowerCase();
  }
  if (partial ? out.name === undefined && out.email === undefined : out.name === undefined || out.email === undefined)
    return undefined;
  return out;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

async function count(db: Db, name: 'count' | 'countByName' | 'postsCount', values: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: string }>(name, values);
  return Number(row.n); // count(*) is a bigint, which pg hands over as text
}

interface PostRow {
  id: number;
  title: string;
  body: string;
  created_at: Date;
  author_id: number;
  author_name: string;
}

/** Keyset pages: `?limit=N[&cursor=C]`, the cursor being the last row's (created_at, id), base64url JSON. */
async function postsByCursor(db: Db, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const limit = Number(query.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return fail(res, 400, 'bad limit');
  const cursor = query.get('cursor');
  let after: [string, number] | undefined;
  if (cursor !== null) {
    try {
      after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, number];
    } catch {
      return fail(res, 400, 'bad cursor');
    }
  }
  const rows = after
    ? await db.query<PostRow>('postsAfter', [limit + 1, after[0], after[1]])
    : await db.query<PostRow>('postsFirst', [limit + 1]);
  const hasNextPage = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    hasNextPage && last
      ? Buffer.from(JSON.stringify([last.created_at.toISOString(), last.id])).toString('base64url')
      : null;
  send(res, 200, {
    items: items.map((row) => ({
      id: row.id,
      title: row.title,
      body: row.body,
      createdAt: row.created_at.toISOString(),
      author: { id: row.author_id, name: row.author_name },
    })),
    nextCursor,
    hasNextPage,
  });
}

async function exportUsers(db: Db, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let after = 0;
  for (;;) {
    const rows = await db.query<UserRow>('exportChunk', [after]);
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    let text = '';
    for (const row of rows) text += JSON.stringify(view(row)) + '\n';
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

async function handle(db: Db, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] === 'users' && parts.length === 1) {
    if (req.method === 'GET') {
      const page = pageParams(url.searchParams);
      if (!page) return fail(res, 400, 'bad page');
      const name = url.searchParams.get('name');
      const offset = (page.page - 1) * page.perPage;
      const [rows, total] = await Promise.all([
        name === null
          ? db.query<UserRow>('page', [page.perPage, offset])
          : db.query<UserRow>('pageByName', [name, page.perPage, offset]),
        name === null ? count(db, 'count') : count(db, 'countByName', [name]),
      ]);
      return send(res, 200, { items: rows.map(view), ...page, total, pages: Math.ceil(total / page.perPage) });
    }
    if (req.method === 'POST') {
      const input = userInput(await readJson(req), false);
      if (!input) return fail(res, 400, 'invalid body');
      try {
        const [row] = await db.query<UserRow>('insert', [input.name, input.email, new Date()]);
        return send(res, 201, view(row), { location: `/users/${row.id}` });
      } catch (error) {
        if (isUniqueViolation(error)) return fail(res, 409, 'already taken');
        throw error;
      }
    }
  }
  if (parts[0] === 'users' && parts[1] === 'bulk' && parts.length === 2 && req.method === 'POST') {
    const body = await readJson(req);
    const inputs = Array.isArray(body) ? body.map((item) => userInput(item, false)) : [];
    if (inputs.length === 0 || inputs.length > 1000 || inputs.some((input) => !input))
      return fail(res, 400, 'invalid body');
    try {
      const rows = await db.query<{ id: number }>('insertMany', [
        inputs.map((input) => input!.name),
        inputs.map((input) => input!.email),
        new Date(),
      ]);
      return send(res, 201, { created: rows.length, ids: rows.map((row) => row.id) });
    } catch (error) {
      if (isUniqueViolation(error)) return fail(res, 409, 'already taken');
      throw error;
    }
  }
  if (parts[0] === 'users' && parts[1] === 'export' && parts.length === 2 && req.method === 'GET') {
    return exportUsers(db, res);
  }
  if (parts[0] === 'users' && parts.length === 2) {
    if (!/^[1-9][0-9]*$/.test(parts[1]) || Number(parts[1]) > 2_147_483_647) return fail(res, 400, 'bad id');
    const id = Number(parts[1]);
    if (req.method === 'GET') {
      const [row] = await db.query<UserRow>('byId', [id]);
      return row ? send(res, 200, view(row)) : fail(res, 404, 'not found');
    }
    if (req.method === 'PATCH') {
      const input = userInput(await readJson(req), true);
      if (!input) return fail(res, 400, 'invalid body');
      const [row] = await db.query<UserRow>('byId', [id]);
      if (!row) return fail(res, 404, 'not found');
      try {
        const [updated] = await db.query<UserRow>('update', [
          input.name ?? row.name,
          input.email ?? row.email,
          new Date(),
          id,
        ]);
        return updated ? send(res, 200, view(updated)) : fail(res, 404, 'not found');
      } catch (error) {
        if (isUniqueViolation(error)) return fail(res, 409, 'already taken');
        throw error;
      }
    }
  }
  if (parts[0] === 'posts' && parts.length === 1 && req.method === 'GET' && url.searchParams.has('limit')) {
    return postsByCursor(db, url.searchParams, res);
  }
  if (parts[0] === 'posts' && parts.length === 1 && req.method === 'GET') {
    const page = pageParams(url.searchParams);
    if (!page) return fail(res, 400, 'bad page');
    const [rows, total] = await Promise.all([
      db.query<{
        id: number;
        title: string;
        body: string;
        created_at: Date;
        author_id: number;
        author_name: string;
      }>('postsPage', [page.perPage, (page.page - 1) * page.perPage]),
      count(db, 'postsCount'),
    ]);
    const items = rows.map((row) => ({
      id: row.id,
      title: row.title,
      body: row.body,
      createdAt: row.created_at.toISOString(),
      author: { id: row.author_id, name: row.author_name },
    }));
    return send(res, 200, { items, ...page, total, pages: Math.ceil(total / page.perPage) });
  }
  fail(res, 404, 'not found');
}

function serve(): void {
  const url = process.env.DATABASE_URL;
  if (!url?.startsWith('postgres')) {
    console.error('baseline-pg.server: DATABASE_URL must be a postgresql:// URL');
    process.exit(1);
  }
  const db = openDatabase(url);
  const server = createServer((req, res) => {
    handle(db, req, res).catch(() => {
      if (!res.headersSent) fail(res, 400, 'bad request');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.listen(Number(process.env.PORT ?? 3412), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void db.pool.end().then(() => process.exit(0))));
}

const workers = Number(process.env.WORKERS ?? '1');
if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  serve();
}
