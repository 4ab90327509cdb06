import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/observability/http-request-figures.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/** Requests per run: once one after the other, once all at the same time. */
const REQUESTS = 1000;
const USERS = 30;
const POSTS_PER_USER = 2;

let t: TestApp;
let url: string;
let userIds: number[];

beforeAll(async () => {
  // A long pool wait: on PostgreSQL 1000 requests at once queue for 10 connections.
  t = await startApp({ env: { LOG_FORMAT: 'json', DB_POOL_TIMEOUT_MS: '120000' } });
  const items = Array.from({ length: USERS }, (_, i) => ({ name: `u${i}`, email: `u${i}@example.com` }));
  userIds = (await t.http.post('/users/bulk').send(items).expect(201)).body.ids as number[];
  for (const id of userIds) {
    for (let p = 0; p < POSTS_PER_USER; p++)
      await t.http
        .post(`/users/${id}/posts`)
        .send({ title: `p${p}`, body: '.' })
        .expect(201);
  }
  await t.app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => t.close());

interface Page {
  items: { id: number; author?: { id: number } }[];
}

/**
 * The i-th request of a run: a page of posts with authors, a page of users, one user, or one
 * author's posts, with page sizes from 1 to 50. Returns how many entities its identity map may
 * hold: the page's rows plus the distinct authors it embeds (or loaded to check the author).
 */
async function request(run: string, i: number): Promise<{ requestId: string; allowed: number }> {
  const requestId = `${run}-${i}`;
  const perPage = 1 + (i % 50);
  const user = userIds[i % USERS];
  const kind = i % 4;
  const path = [
    `/posts?perPage=${perPage}&page=${1 + (i % 3)}`,
    `/users?perPage=${perPage}`,
    `/users/${user}`,
    `/users/${user}/posts?perPage=${perPage}`,
  ][kind];
  const res = await fetch(`${url}${path}`, { headers: { 'X-Request-Id': requestId } });
  expect({ path, status: res.status }).toEqual({ path, status: 200 });
  const body = (await res.json()) as Page & { id?: number };
  if (kind === 2) return { requestId, allowed: 1 };
  const authors = kind === 0 ? new Set(body.items.map((post) => post.author!.id)).size : kind === 3 ? 1 : 0;
  expect(body.items.length).toBeLessThanOrEqual(perPage);
  return { requestId, allowed: body.items.length + authors };
}

function entriesById(): Map<string, RequestLogEntry> {
  const entries: RequestLogEntry[] = t.requestLines();
  return new Map(entries.map((entry) => [entry.requestId!, entry]));
}

async function expectWithinPages(results: { requestId: string; allowed: number }[]): Promise<void> {
  // A log line is written when the server side of the response closes, which can trail the
  // client's last byte by a moment.
  let entries = entriesById();
  for (let wait = 0; wait < 100 && results.some((r) => !entries.has(r.requestId)); wait++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    entries = entriesById();
  }
  const over = results.filter(({ requestId, allowed }) => {
    const entry = entries.get(requestId);
    return entry === undefined || entry.dbEntities !== allowed;
  });
  expect(over.map((r) => ({ ...r, logged: entries.get(r.requestId)?.dbEntities }))).toEqual([]);
  // And the global EntityManager never took a single entity: every request worked in its fork.
  expect([...t.orm.em.getUnitOfWork(false).getIdentityMap()]).toEqual([]);
}

it(`keeps every fork to its page and the global identity map empty over ${REQUESTS} sequential requests`, async () => {
  const results = [];
  for (let i = 0; i < REQUESTS; i++) results.push(await request('seq', i));
  await expectWithinPages(results);
}, 120_000);

it(`… and over ${REQUESTS} concurrent requests`, async () => {
  const results = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => request('par', i)));
  await expectWithinPages(results);
}, 120_000);
