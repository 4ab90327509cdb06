import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../helpers/routes.js';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: Record<string, string[]>[];
}
type Doc = {
  openapi: string;
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme: string; bearerFormat?: string }>;
    schemas: Record<string, Schema>;
    parameters: Record<string, { in: string; required?: boolean }>;
  };
  security: Record<string, string[]>[];
};
type Schema = { $ref?: string; properties?: Record<string, Schema>; example?: unknown; [key: string]: unknown };

/** A schema, following its `$ref` into components. */
const resolve = (schema: Schema): Schema =>
  schema.$ref ? resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]) : schema;

/** SQL statements of the documentation routes: none. */
const STATEMENTS = { 'GET /docs-json': 0 };

let t: TestApp;
let doc: Doc;
beforeAll(async () => {
  // METRICS=1 registers every optional route (/metrics), so each is checked below.
  t = await startApp({ env: { METRICS: '1' } });
  doc = (await t.http.get('/docs-json').expect(200)).body as Doc;
});
afterAll(() => t.close());

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

// Terminus documents /health's bodies itself, with an example on each property.
const isTerminusHealth = (m: { schema: unknown }) => JSON.stringify(m.schema).includes('"status"');
/** An example on the body, or on each alternative of a list's `anyOf` (numbered page, cursor page). */
const schemaHasExample = (schema: Schema): boolean => {
  const resolved = resolve(schema);
  if (resolved.example !== undefined) return true;
  const anyOf = resolved.anyOf as Schema[] | undefined;
  return anyOf !== undefined && anyOf.every(schemaHasExample);
};
const hasExample = (m: { schema: unknown; example?: unknown }) =>
  m.example !== undefined || schemaHasExample(m.schema as Schema) || isTerminusHealth(m);

const isPublic = (op: Operation) => op.security?.some((req) => Object.keys(req).length === 0) ?? false;

describe('GET /docs-json', () => {
  it('is an OpenAPI 3 document listing exactly the routes the app registers', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const registered = registeredRoutes(t.app).map((r) => `${r.method} ${r.path}`);
    const documented = operations().map((o) => `${o.method} ${o.path}`);
    expect(registered.length).toBeGreaterThanOrEqual(6);
    expect(registered).toContain('GET /metrics');
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('declares the bearer scheme and requires it everywhere but the public routes', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(isPublic(doc.paths['/health'].get)).toBe(true);
    const without401 = operations().filter(({ op }) => !isPublic(op) && !op.responses['401']);
    expect(without401.map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('documents a JSON schema for every response with a body, and every error status a route can answer', () => {
    const missing: string[] = [];
    for (const { method, path, op } of operations()) {
      const statuses = Object.keys(op.responses);
      const need = (status: string, when: boolean) => {
        if (when && !statuses.includes(status)) missing.push(`${method} ${path}: ${status}`);
      };
      if (!statuses.some((s) => s.startsWith('2'))) missing.push(`${method} ${path}: 2xx`);
      need('400', (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined);
      need('413', op.requestBody !== undefined);
      need('404', path.includes('{'));
      // 204 and 304 have no body; nor has Node's own 408 (written before the app sees the request).
      for (const status of statuses.filter((s) => s !== '204' && s !== '304' && s !== '408')) {
        // JSON for most routes; the export documents its NDJSON lines under application/x-ndjson.
        const media = Object.values(op.responses[status].content ?? {}) as { schema?: unknown }[];
        if (!media.some((m) => m.schema)) missing.push(`${method} ${path}: ${status} schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes users from the same Zod schemas that validate them', () => {
    const create = doc.paths['/users'].post;
    const createBody = resolve(create.requestBody!.content['application/json'].schema);
    expect(Object.keys(createBody.properties!)).toEqual(['name', 'email']);
    expect(createBody.properties!.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 50 });
    expect(createBody.properties!.email).toMatchObject({ type: 'string', maxLength: 120, pattern: expect.any(String) });
    expect(create.responses['409']).toBeDefined();
    const list = doc.paths['/users'].get;
    // Besides these, the shared `X-Read-After` header (a $ref, checked below).
    const named = list.parameters!.filter((p) => p.name !== undefined);
    expect(named.map((p) => `${p.in}:${p.name}`).sort()).toEqual(
      ['query:cursor', 'query:email', 'query:limit', 'query:name', 'query:page', 'query:perPage'].sort(),
    );
    // A numbered page, or with limit/cursor a cursor page: both named components.
    const body = list.responses['200'].content!['application/json'].schema as { anyOf: Schema[] };
    expect(body.anyOf.map((one) => one.$ref)).toEqual([
      '#/components/schemas/UserPage',
      '#/components/schemas/UserCursorPage',
    ]);
    expect(body.anyOf.map((one) => Object.keys(resolve(one).properties!).sort())).toEqual([
      ['items', 'page', 'pages', 'perPage', 'total'],
      ['hasNextPage', 'items', 'nextCursor'],
    ]);
    expect(doc.paths['/users/{id}'].get.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path' }),
      expect.objectContaining({ name: 'If-None-Match', in: 'header' }),
      { $ref: '#/components/parameters/X-Read-After' },
    ]);
  });
});

describe('GET /docs-json as a contract (issue 15)', () => {
  it('names every body schema as a component, each with an example', () => {
    const named = [
      'User',
      'UserPage',
      'UserCursorPage',
      'Post',
      'PostPage',
      'PostCursorPage',
      'PostWithAuthorCursorPage',
      'ErrorBody',
      'UserStats',
      'BulkResult',
      'CreateUser',
    ];
    expect(named.filter((name) => !doc.components.schemas[name])).toEqual([]);
    const bodies = operations().flatMap(({ method, path, op }) => [
      ...Object.entries(op.requestBody?.content ?? {}).map(([media, m]) => ({
        at: `${method} ${path} request ${media}`,
        m,
      })),
      ...Object.entries(op.responses).flatMap(([status, r]) =>
        Object.entries(r.content ?? {}).map(([media, m]) => ({ at: `${method} ${path} ${status} ${media}`, m })),
      ),
    ]);
    expect(bodies.filter(({ m }) => !hasExample(m as never)).map((b) => b.at)).toEqual([]);
  });

  it('states the request rules: PATCH needs a field, page/perPage/id are bounded integers', () => {
    const patch = doc.paths['/users/{id}'].patch;
    expect(resolve(patch.requestBody!.content['application/json'].schema)).toMatchObject({ minProperties: 1 });
    const params = doc.paths['/users'].get.parameters as unknown as { name: string; schema: Schema }[];
    expect(params.find((p) => p.name === 'page')!.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000,
    });
    expect(params.find((p) => p.name === 'perPage')!.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 100,
    });
    const id = doc.paths['/users/{id}'].get.parameters as unknown as { schema: Schema }[];
    expect(id[0].schema).toMatchObject({ type: 'integer', minimum: 1 });
  });

  it('describes the export as NDJSON text whose lines are Users', () => {
    const media = doc.paths['/users/export'].get.responses['200'].content!;
    expect(Object.keys(media)).toEqual(['application/x-ndjson']);
    expect(media['application/x-ndjson'].schema).toMatchObject({
      type: 'string',
      'x-ndjson-line': { $ref: '#/components/schemas/User' },
    });
  });

  it('declares the statuses and headers of conditional requests, idempotency, limits, faults and replicas', () => {
    type Response = { headers?: Record<string, { $ref?: string; required?: boolean }> };
    const responses = (path: string, method: string) =>
      doc.paths[path][method].responses as unknown as Record<string, Response>;
    const headerNames = (path: string, method: string, status: string) =>
      Object.keys(responses(path, method)[status].headers ?? {}).sort();
    expect(headerNames('/users/{id}', 'get', '200')).toEqual(['ETag', 'X-Request-Id']);
    expect(headerNames('/users/{id}', 'get', '304')).toEqual(['ETag', 'X-Request-Id']);
    expect(headerNames('/posts/{id}', 'get', '304')).toEqual(['ETag', 'X-Request-Id']);
    expect(Object.keys(responses('/users/{id}', 'patch'))).toEqual(expect.arrayContaining(['412', '428']));
    expect(Object.keys(responses('/users/{id}', 'delete'))).toEqual(expect.arrayContaining(['204', '412', '428']));
    for (const path of ['/users', '/users/bulk', '/users/{id}/posts']) {
      const location = path === '/users' ? ['Location'] : [];
      expect(headerNames(path, 'post', '201')).toEqual(
        [...location, 'Idempotency-Replayed', 'X-Consistency-Token', 'X-Request-Id'].sort(),
      );
      expect(Object.keys(responses(path, 'post'))).toEqual(expect.arrayContaining(['409', '422']));
      expect(responses(path, 'post')['409'].headers!['Retry-After']).toMatchObject({ required: false });
      expect(doc.paths[path].post.parameters!.map((p) => p.name)).toContain('Idempotency-Key');
    }
    // Rate limits spare /health and /metrics; any request can meet the deadline (503) or Node's 408.
    const missing = operations().flatMap(({ method, path, op }) => {
      const at = `${method} ${path}`;
      const limited = !/^\/(health|metrics)/.test(path);
      const retryAfter = (status: string) => headerNames(path, method.toLowerCase(), status).includes('Retry-After');
      return [
        ...(limited === '429' in op.responses ? [] : [`${at}: 429 ${limited ? 'missing' : 'not expected'}`]),
        ...(limited && '429' in op.responses && !retryAfter('429') ? [`${at}: 429 Retry-After`] : []),
        ...['408', '503'].filter((status) => !(status in op.responses)).map((status) => `${at}: ${status}`),
        ...('503' in op.responses && !retryAfter('503') ? [`${at}: 503 Retry-After`] : []),
        ...(method !== 'GET' && !('507' in op.responses) ? [`${at}: 507`] : []),
      ];
    });
    expect(missing).toEqual([]);
    expect(headerNames('/users/{id}', 'patch', '412')).toEqual(['ETag', 'X-Request-Id']);
    expect(doc.components.parameters['X-Read-After']).toMatchObject({ in: 'header', required: false });
  });

  it('has a server, described tags, described operations and an opaque bearer token', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.tags.filter((tag) => !tag.description)).toEqual([]);
    const used = new Set(operations().flatMap(({ op }) => (op as { tags?: string[] }).tags ?? []));
    expect([...used].filter((name) => !doc.tags.some((tag) => tag.name === name))).toEqual([]);
    const undescribed = operations().filter(({ op }) => !(op as { description?: string }).description);
    expect(undescribed.map((o) => `${o.method} ${o.path}`)).toEqual([]);
    expect(doc.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
  });
});

describe('GET /docs-json, SQL', () => {
  it('runs no SQL statement', async () => {
    await expectStatements(() => t.http.get('/docs-json').expect(200), STATEMENTS['GET /docs-json']);
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI under a Content-Security-Policy that allows only its own scripts', async () => {
    const res = await t.http.get('/docs').expect(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('swagger-ui-bundle.js');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });
});
