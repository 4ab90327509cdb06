import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * The hostile-input corpus: each request must get a 4xx JSON error, or, when it is valid data
 * after all, be stored verbatim; and nothing else may change.
 */
interface Case {
  name: string;
  method: 'get' | 'post' | 'patch' | 'delete' | 'put';
  path: string;
  /** An object is sent as JSON; a string is sent raw with `contentType`. */
  body?: unknown;
  contentType?: string;
  /** The 4xx expected; 'stored' when the input is valid and must be kept as sent. */
  expect: number | 'stored';
}

const longName = 'n'.repeat(51);
const json = 'application/json';

const corpus: Case[] = [
  // wrong types
  { name: 'name as number', method: 'post', path: '/users', body: { name: 1, email: 'a@b' }, expect: 400 },
  { name: 'email as number', method: 'post', path: '/users', body: { name: 'a', email: 1 }, expect: 400 },
  { name: 'name as boolean', method: 'post', path: '/users', body: { name: true, email: 'a@b' }, expect: 400 },
  { name: 'name as array', method: 'post', path: '/users', body: { name: ['a'], email: 'a@b' }, expect: 400 },
  { name: 'name as object', method: 'post', path: '/users', body: { name: { a: 1 }, email: 'a@b' }, expect: 400 },
  { name: 'email as array', method: 'post', path: '/users', body: { name: 'a', email: ['a@b'] }, expect: 400 },
  { name: 'body is an array', method: 'post', path: '/users', body: [], expect: 400 },
  { name: 'body is a number', method: 'post', path: '/users', body: '42', contentType: json, expect: 400 },
  { name: 'body is a string', method: 'post', path: '/users', body: '"x"', contentType: json, expect: 400 },
  { name: 'body is null', method: 'post', path: '/users', body: 'null', contentType: json, expect: 400 },
  { name: 'empty JSON body', method: 'post', path: '/users', body: '', contentType: json, expect: 400 },
  // nulls
  { name: 'null name', method: 'post', path: '/users', body: { name: null, email: 'a@b' }, expect: 400 },
  { name: 'null email', method: 'post', path: '/users', body: { name: 'a', email: null }, expect: 400 },
  { name: 'patch with null name', method: 'patch', path: '/users/1', body: { name: null }, expect: 400 },
  // huge numbers, negative and fractional ids
  { name: 'id 2^64', method: 'get', path: '/users/18446744073709551616', expect: 404 },
  { name: 'id 1e308 spelled out', method: 'get', path: `/users/1${'0'.repeat(308)}`, expect: 404 },
  { name: 'id of 500 digits', method: 'get', path: `/users/${'9'.repeat(500)}`, expect: 400 },
  { name: 'negative id', method: 'get', path: '/users/-1', expect: 400 },
  { name: 'zero id', method: 'get', path: '/users/0', expect: 400 },
  { name: 'fractional id', method: 'get', path: '/users/1.5', expect: 400 },
  { name: 'exponent id', method: 'get', path: '/users/1e2', expect: 400 },
  { name: 'hex id', method: 'get', path: '/users/0x1', expect: 400 },
  { name: 'id with spaces', method: 'get', path: '/users/%201', expect: 400 },
  { name: 'NaN id', method: 'get', path: '/users/NaN', expect: 400 },
  { name: 'Infinity id', method: 'delete', path: '/users/Infinity', expect: 400 },
  { name: 'negative id on patch', method: 'patch', path: '/users/-5', body: { name: 'x' }, expect: 400 },
  { name: 'huge page', method: 'get', path: '/users?page=99999999999999999999', expect: 400 },
  { name: 'negative perPage', method: 'get', path: '/users?perPage=-20', expect: 400 },
  { name: 'fractional page', method: 'get', path: '/users?page=1.5', expect: 400 },
  { name: 'perPage 1000', method: 'get', path: '/users?perPage=1000', expect: 400 },
  { name: 'page as array', method: 'get', path: '/users?page=1&page=2', expect: 400 },
  { name: 'bracketed key is just an unknown key', method: 'get', path: '/users?page[a]=1', expect: 'stored' },
  // overlong and empty strings
  {
    name: 'name of 51 characters',
    method: 'post',
    path: '/users',
    body: { name: longName, email: 'a@b' },
    expect: 400,
  },
  {
    name: 'email of 121 characters',
    method: 'post',
    path: '/users',
    body: { name: 'a', email: `${'e'.repeat(117)}@b.c` },
    expect: 400,
  },
  {
    name: 'name of 10 000 characters',
    method: 'post',
    path: '/users',
    body: { name: 'x'.repeat(10_000), email: 'a@b' },
    expect: 400,
  },
  { name: 'empty name', method: 'post', path: '/users', body: { name: '', email: 'a@b' }, expect: 400 },
  { name: 'whitespace name', method: 'post', path: '/users', body: { name: ' \t ', email: 'a@b' }, expect: 400 },
  { name: 'empty email', method: 'post', path: '/users', body: { name: 'a', email: '' }, expect: 400 },
  { name: 'email only @', method: 'post', path: '/users', body: { name: 'a', email: '@' }, expect: 400 },
  { name: 'email without local part', method: 'post', path: '/users', body: { name: 'a', email: '@b' }, expect: 400 },
  { name: 'filter name of 10 000 characters', method: 'get', path: `/users?name=${'x'.repeat(10_000)}`, expect: 400 },
  // control characters and unicode edge cases
  { name: 'NUL in name', method: 'post', path: '/users', body: { name: 'a\u0000b', email: 'a@b' }, expect: 400 },
  { name: 'newline in name', method: 'post', path: '/users', body: { name: 'a\nb', email: 'a@b' }, expect: 400 },
  { name: 'escape in email', method: 'post', path: '/users', body: { name: 'a', email: 'a\u001b@b' }, expect: 400 },
  {
    name: 'lone surrogate in name',
    method: 'post',
    path: '/users',
    body: '{"name":"a\\ud800b","email":"s@b"}',
    contentType: json,
    expect: 400,
  },
  {
    name: 'emoji name (valid)',
    method: 'post',
    path: '/users',
    body: { name: '🦄🌈', email: 'emoji@x' },
    expect: 'stored',
  },
  {
    name: 'combining marks (valid)',
    method: 'post',
    path: '/users',
    body: { name: 'e\u0301e\u0301', email: 'comb@x' },
    expect: 'stored',
  },
  {
    name: 'right-to-left name (valid)',
    method: 'post',
    path: '/users',
    body: { name: 'שלום', email: 'rtl@x' },
    expect: 'stored',
  },
  {
    name: '50 astral characters (valid)',
    method: 'post',
    path: '/users',
    body: { name: '𝒜'.repeat(50), email: 'astral@x' },
    expect: 'stored',
  },
  {
    name: '51 astral characters',
    method: 'post',
    path: '/users',
    body: { name: '𝒜'.repeat(51), email: 'astral51@x' },
    expect: 400,
  },
  {
    name: 'zero-width space name (valid)',
    method: 'post',
    path: '/users',
    body: { name: 'a\u200bb', email: 'zw@x' },
    expect: 'stored',
  },
  // prototype pollution
  {
    name: '__proto__ key',
    method: 'post',
    path: '/users',
    body: '{"name":"p","email":"p@x","__proto__":{"admin":true}}',
    contentType: json,
    expect: 400,
  },
  {
    name: 'constructor key',
    method: 'post',
    path: '/users',
    body: { name: 'c', email: 'c@x', constructor: { prototype: { admin: true } } },
    expect: 400,
  },
  { name: 'prototype key on patch', method: 'patch', path: '/users/1', body: { prototype: {} }, expect: 400 },
  // wrong content types
  {
    name: 'text/plain body',
    method: 'post',
    path: '/users',
    body: 'name=a&email=a@b',
    contentType: 'text/plain',
    expect: 400,
  },
  {
    name: 'form-encoded body',
    method: 'post',
    path: '/users',
    body: 'name=a&email=a%40b',
    contentType: 'application/x-www-form-urlencoded',
    expect: 400,
  },
  {
    name: 'xml body',
    method: 'post',
    path: '/users',
    body: '<user><name>a</name></user>',
    contentType: 'application/xml',
    expect: 400,
  },
  {
    name: 'json with a bogus charset',
    method: 'post',
    path: '/users',
    body: '{"name":"a","email":"a@b"}',
    contentType: 'application/json; charset=klingon',
    expect: 415,
  },
  // truncated, malformed and deeply nested JSON
  {
    name: 'truncated JSON',
    method: 'post',
    path: '/users',
    body: '{"name":"a","email":',
    contentType: json,
    expect: 400,
  },
  {
    name: 'single quotes',
    method: 'post',
    path: '/users',
    body: "{'name':'a','email':'a@b'}",
    contentType: json,
    expect: 400,
  },
  {
    name: 'trailing comma',
    method: 'post',
    path: '/users',
    body: '{"name":"a","email":"a@b",}',
    contentType: json,
    expect: 400,
  },
  {
    name: 'deeply nested arrays',
    method: 'post',
    path: '/users',
    body: `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    contentType: json,
    expect: 400,
  },
  {
    name: 'deeply nested objects in name',
    method: 'post',
    path: '/users',
    body: `{"name":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)},"email":"a@b"}`,
    contentType: json,
    expect: 400,
  },
  {
    name: 'garbage bytes',
    method: 'post',
    path: '/users',
    body: '\u00ff\u00fe\u0000garbage',
    contentType: json,
    expect: 400,
  },
  // SQL injection strings: stored verbatim as data, or rejected by the schema, never executed
  {
    name: 'SQL in name (valid)',
    method: 'post',
    path: '/users',
    body: { name: "x'); drop table users;--", email: 'sqli1@x' },
    expect: 'stored',
  },
  {
    name: 'SQL in email',
    method: 'post',
    path: '/users',
    body: { name: 'sqli2', email: "' or 1=1 --@x" },
    expect: 400,
  },
  {
    name: 'SQL in email (valid shape)',
    method: 'post',
    path: '/users',
    body: { name: 'sqli3', email: "o'brien@x" },
    expect: 'stored',
  },
  {
    name: 'SQL in name filter',
    method: 'get',
    path: `/users?name=${encodeURIComponent("' or '1'='1")}`,
    expect: 'stored',
  },
  { name: 'SQL in id', method: 'get', path: `/users/${encodeURIComponent('1 or 1=1')}`, expect: 400 },
  // duplicate keys: JSON.parse keeps the last one, which then passes or fails on its own merits
  {
    name: 'duplicate keys, last one invalid',
    method: 'post',
    path: '/users',
    body: '{"name":"dup","email":"dup@x","name":""}',
    contentType: json,
    expect: 400,
  },
  // oversize bodies
  {
    name: 'body over 100 kB',
    method: 'post',
    path: '/users',
    body: { name: 'a', email: 'a@b', pad: 'x'.repeat(200_000) },
    expect: 413,
  },
  {
    name: 'patch body over 100 kB',
    method: 'patch',
    path: '/users/1',
    body: { name: 'x'.repeat(200_000) },
    expect: 413,
  },
  // unknown routes and methods
  { name: 'unknown route', method: 'get', path: '/admin', expect: 404 },
  { name: 'PUT on a user', method: 'put', path: '/users/1', body: { name: 'x' }, expect: 404 },
  { name: 'DELETE on the collection', method: 'delete', path: '/users', expect: 404 },
  { name: 'path traversal', method: 'get', path: '/users/..%2f..%2fetc%2fpasswd', expect: 400 },
  {
    name: 'unknown property on create',
    method: 'post',
    path: '/users',
    body: { name: 'u', email: 'u@x', role: 'admin' },
    expect: 400,
  },
  { name: 'unknown property on patch', method: 'patch', path: '/users/1', body: { id: 99 }, expect: 400 },
];

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
  await t.http.post('/users').send({ name: 'seed', email: 'seed@x' }).expect(201);
});
afterAll(() => t.close());

function send(c: Case) {
  const req = t.http[c.method](c.path);
  if (c.body === undefined) return req;
  if (typeof c.body === 'string') return req.set('content-type', c.contentType ?? json).send(c.body);
  return req.send(c.body as object);
}

async function snapshot(): Promise<string> {
  const rows = await t.orm.driver.getConnection().execute('select id, name, email from users order by id');
  return JSON.stringify(rows);
}

const rejected = corpus.filter((c): c is Case & { expect: number } => c.expect !== 'stored');
const accepted = corpus.filter((c) => c.expect === 'stored');

/** A response body that reveals nothing of the server's insides. */
function expectNothingRevealed(body: unknown) {
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(js|ts):\d+|node_modules|select |insert into/i);
}

describe('hostile and malformed input', () => {
  it.each(rejected)('$name → $expect', async (c) => {
    const before = await snapshot();
    const res = await send(c);
    expect(res.status).toBe(c.expect);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ statusCode: c.expect, error: expect.any(String), message: expect.any(String) });
    expectNothingRevealed(res.body);
    expect(await snapshot()).toBe(before);
  });

  it.each(accepted.filter((c) => c.method === 'get'))('$name → answered normally, nothing changed', async (c) => {
    const before = await snapshot();
    const res = await send(c);
    expect(res.status).toBe(200);
    expectNothingRevealed(res.body);
    expect(await snapshot()).toBe(before);
  });

  it.each(accepted.filter((c) => c.method === 'post'))('$name → stored verbatim', async (c) => {
    const before = await snapshot();
    const sent = c.body as { name: string; email: string };
    const res = await send(c);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: sent.name, email: sent.email.toLowerCase() });
    // Read back from the database itself, not through the API that wrote it.
    const [stored] = await t.orm.driver
      .getConnection()
      .execute<{ name: string; email: string }[]>('select name, email from users where id = ?', [res.body.id]);
    expect(stored).toEqual({ name: sent.name, email: sent.email.toLowerCase() });
    await t.http.delete(`/users/${res.body.id}`).expect(204);
    expect(await snapshot()).toBe(before);
  });
});
