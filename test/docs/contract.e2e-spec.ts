import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedHttp, Contract, type Exchange, type OpenApiDocument } from '../helpers/contract.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * The response check every spec relies on (test/helpers/contract.ts) must be able to fail: real
 * responses of the real app, each altered in one way that breaks the served document, are
 * refused with a message that says what broke; the unaltered ones pass.
 */
let t: TestApp;
let created: Exchange;
let exported: Exchange;
beforeAll(async () => {
  t = await startApp();
  const res = await t.http.post('/users').send({ name: 'admin', email: 'admin@localhost' }).expect(201);
  created = { method: 'POST', url: '/users', status: res.status, headers: res.headers, text: res.text };
  const ndjson = await t.http
    .get('/users/export')
    .buffer(true)
    .parse((r, done) => {
      let text = '';
      r.on('data', (chunk: Buffer) => (text += chunk.toString()));
      r.on('end', () => done(null, text));
    })
    .expect(200);
  exported = { method: 'GET', url: '/users/export', status: 200, headers: ndjson.headers, text: ndjson.body as string };
});
afterAll(() => t.close());

const body = (exchange: Exchange) => JSON.parse(exchange.text!) as Record<string, unknown>;
const withBody = (exchange: Exchange, value: unknown): Exchange => ({ ...exchange, text: JSON.stringify(value) });
const without = (headers: Exchange['headers'], name: string) =>
  Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));

describe('the contract check', () => {
  it('passes the real responses as they are', () => {
    expect(t.contract.problems(created)).toEqual([]);
    expect(t.contract.problems(exported)).toEqual([]);
  });

  it.each([
    ['a status the operation does not document', () => ({ ...created, status: 418 }), /418: status not documented/],
    [
      'a missing required header (Location)',
      () => ({ ...created, headers: without(created.headers, 'location') }),
      /required header Location missing/,
    ],
    [
      'a missing X-Request-Id',
      () => ({ ...created, headers: without(created.headers, 'x-request-id') }),
      /required header X-Request-Id missing/,
    ],
    [
      'an extra field',
      () => withBody(created, { ...body(created), password: 'x' }),
      /must NOT have additional properties/,
    ],
    [
      'a missing field',
      () => withBody(created, { ...body(created), email: undefined }),
      /must have required property 'email'/,
    ],
    ['a field of the wrong type', () => withBody(created, { ...body(created), id: '1' }), /\/id must be integer/],
    ['a body that is not JSON', () => ({ ...created, text: '{' }), /body is not JSON/],
    [
      'an undocumented media type',
      () => ({ ...created, headers: { ...created.headers, 'content-type': 'text/html' } }),
      /content-type "text\/html" not documented/,
    ],
    [
      'an NDJSON line that is not a User',
      () => ({ ...exported, text: `${exported.text}{"id":2}\n` }),
      /line 2 .*must have required property 'name'/,
    ],
    [
      'a body on a 204',
      () => ({ method: 'DELETE', url: '/users/1', status: 204, headers: created.headers, text: '{}' }),
      /DELETE \/users\/\{id\} → 204: a body \(application\/json\) where the document declares none/,
    ],
  ])('refuses %s', (_case, alter, message) => {
    expect(t.contract.problems(alter()).join('\n')).toMatch(message);
  });

  it('fails a spec through the supertest agent when the app breaks the document', async () => {
    // The same app, checked against a copy of its document that no longer lists 201 for POST /users.
    const document = JSON.parse(JSON.stringify((await t.http.get('/docs-json').expect(200)).body)) as OpenApiDocument;
    delete document.paths['/users'].post.responses['201'];
    const strict = checkedHttp(request(t.app.getHttpServer()), new Contract(document));
    await expect(strict.post('/users').send({ name: 'second', email: 'second@localhost' })).rejects.toThrow(
      /POST \/users → 201: status not documented/,
    );
    // …and the spec's own expectation fails first with its own message.
    await expect(strict.get('/users/999').expect(200)).rejects.toThrow(/expected 200 "OK", got 404/);
  });
});
