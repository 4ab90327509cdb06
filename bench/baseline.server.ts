/**
 * The practical ceiling: `node:http` + better-sqlite3 with prepared statements, the same routes
 * and the same JSON as the app on the same schema, and nothing else (no framework, no ORM).
 * Run by the bench: `DB_FILE=... PORT=... WORKERS=N node bench/baseline.server.ts`.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';

const BODY_LIMIT = 1024 * 1024;
const POSTS_SELECT = `select p.id, p.title, p.body, p.created_at, u.id as author_id, u.name as author_name
  from posts p join users u on u.id = p.author_id`;
const USER_COLUMNS = 'id, name, email, created_at, updated_at';

interface UserRow {
  id: number;
  name: string;
  email: string;
  created_at: number;
  updated_at: number;
}

function openDatabase(file: string) {
  const db = new Database(file);
  // The app's pragmas (src/database/sqlite-pragmas.ts) plus MikroORM's foreign keys.
  db.pragma('journal_mode = wal');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = normal');
  db.pragma('foreign_keys = on');
  return {
    db,
    byId: db.prepare(`select ${USER_COLUMNS} from users where id = ?`),
    page: db.prepare(`select ${USER_COLUMNS} from users order by id limit ? offset ?`),
    count: db.prepare('select count(*) as n from users').pluck(),
    pageByName: db.prepare(`select ${USER_COLUMNS} from users where name = ? order by id limit ? offset ?`),
    countByName: db.prepare('select count(*) as n from users where name = ?').pluck(),
    insert: db.prepare('insert into users (name, email, created_at, updated_at) values (?, ?, ?, ?)'),
    update: db.prepare('update users set name = ?, email = ?, updated_at = ? where id = ?'),
    postsPage: db.prepare(
      `select p.id, p.title, p.body, p.created_at, u.id as author_id, u.name as author_name
       from posts p join users u on u.id = p.author_id
       order by p.created_at desc, p.id desc limit ? offset ?`,
    ),
    postsCount: db.prepare('select count(*) as n from posts').pluck(),
    postsFirst: db.prepare(`${POSTS_SELECT} order by p.created_at desc, p.id desc limit ?`),
    postsAfter: db.prepare(
      `${POSTS_SELECT} where (p.created_at, p.id) < (?, ?) order by p.created_at desc, p.id desc limit ?`,
    ),
    exportChunk: db.prepare(`select ${USER_COLUMNS} from users where id > ? order by id limit 1000`),
  };
}

type Db = ReturnType<typeof openDatabase>;

function view(row: UserRow) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
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
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function exportUsers(db: Db, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let after = 0;
  for (;;) {
    const rows = db.exportChunk.all(after) as UserRow[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    let text = '';
    for (const row of rows) text += JSON.stringify(view(row)) + '\n';
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

interface PostRow {
  id: number;
  title: string;
  body: string;
  created_at: number;
  author_id: number;
  author_name: string;
}

function postView(row: PostRow) {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    createdAt: new Date(row.created_at).toISOString(),
    author: { id: row.author_id, name: row.author_name },
  };
}

/** Keyset pages: `?limit=N[&cursor=C]`, the cursor being the last row's (created_at, id), base64url JSON. */
function postsByCursor(db: Db, query: URLSearchParams, res: ServerResponse): void {
  const limit = Number(query.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return fail(res, 400, 'bad limit');
  const cursor = query.get('cursor');
  let after: [number, number] | undefined;
  if (cursor !== null) {
    try {
      after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, number];
    } catch {
      return fail(res, 400, 'bad cursor');
    }
  }
  const rows = (after ? db.postsAfter.all(after[0], after[1], limit + 1) : db.postsFirst.all(limit + 1)) as PostRow[];
  const hasNextPage = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    hasNextPage && last ? Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url') : null;
  send(res, 200, { items: items.map(postView), nextCursor, hasNextPage });
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
      const rows = (
        name === null ? db.page.all(page.perPage, offset) : db.pageByName.all(name, page.perPage, offset)
      ) as UserRow[];
      const total = (name === null ? db.count.get() : db.countByName.get(name)) as number;
      return send(res, 200, { items: rows.map(view), ...page, total, pages: Math.ceil(total / page.perPage) });
    }
    if (req.method === 'POST') {
      const input = userInput(await readJson(req), false);
      if (!input) return fail(res, 400, 'invalid body');
      const now = Date.now();
      try {
        const { lastInsertRowid } = db.insert.run(input.name, input.email, now, now);
        const id = Number(lastInsertRowid);
        return send(res, 201, view({ id, name: input.name!, email: input.email!, created_at: now, updated_at: now }), {
          location: `/users/${id}`,
        });
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
    const now = Date.now();
    try {
      const ids = db.db.transaction(() =>
        inputs.map((input) => Number(db.insert.run(input!.name, input!.email, now, now).lastInsertRowid)),
      )();
      return send(res, 201, { created: ids.length, ids });
    } catch (error) {
      if (isUniqueViolation(error)) return fail(res, 409, 'already taken');
      throw error;
    }
  }
  if (parts[0] === 'users' && parts[1] === 'export' && parts.length === 2 && req.method === 'GET') {
    return exportUsers(db, res);
  }
  if (parts[0] === 'users' && parts.length === 2) {
    if (!/^[1-9][0-9]*$/.test(parts[1])) return fail(res, 400, 'bad id');
    const id = Number(parts[1]);
    if (req.method === 'GET') {
      const row = db.byId.get(id) as UserRow | undefined;
      return row ? send(res, 200, view(row)) : fail(res, 404, 'not found');
    }
    if (req.method === 'PATCH') {
      const input = userInput(await readJson(req), true);
      if (!input) return fail(res, 400, 'invalid body');
      const row = db.byId.get(id) as UserRow | undefined;
      if (!row) return fail(res, 404, 'not found');
      const next = { ...row, name: input.name ?? row.name, email: input.email ?? row.email, updated_at: Date.now() };
      try {
        db.update.run(next.name, next.email, next.updated_at, id);
      } catch (error) {
        if (isUniqueViolation(error)) return fail(res, 409, 'already taken');
        throw error;
      }
      return send(res, 200, view(next));
    }
  }
  if (parts[0] === 'posts' && parts.length === 1 && req.method === 'GET' && url.searchParams.has('limit')) {
    return postsByCursor(db, url.searchParams, res);
  }
  if (parts[0] === 'posts' && parts.length === 1 && req.method === 'GET') {
    const page = pageParams(url.searchParams);
    if (!page) return fail(res, 400, 'bad page');
    const rows = db.postsPage.all(page.perPage, (page.page - 1) * page.perPage) as {
      id: number;
      title: string;
      body: string;
      created_at: number;
      author_id: number;
      author_name: string;
    }[];
    const total = db.postsCount.get() as number;
    const items = rows.map((row) => ({
      id: row.id,
      title: row.title,
      body: row.body,
      createdAt: new Date(row.created_at).toISOString(),
      author: { id: row.author_id, name: row.author_name },
    }));
    return send(res, 200, { items, ...page, total, pages: Math.ceil(total / page.perPage) });
  }
  fail(res, 404, 'not found');
}

function serve(): void {
  const db = openDatabase(process.env.DB_FILE ?? 'bench.sqlite3');
  const server = createServer((req, res) => {
    handle(db, req, res).catch(() => {
      if (!res.headersSent) fail(res, 400, 'bad request');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.listen(Number(process.env.PORT ?? 3411), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
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
