import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../helpers/routes.js';
import { expectStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: Record<string, string[]>[];
}
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  security: Record<string, string[]>[];
};

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
      for (const status of statuses.filter((s) => s !== '204' && s !== '304')) {
        // JSON for most routes; the export documents its NDJSON lines under application/x-ndjson.
        const media = Object.values(op.responses[status].content ?? {}) as { schema?: unknown }[];
        if (!media.some((m) => m.schema)) missing.push(`${method} ${path}: ${status} schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes users from the same Zod schemas that validate them', () => {
    const create = doc.paths['/users'].post;
    expect(Object.keys(create.requestBody!.content['application/json'].schema.properties!)).toEqual(['name', 'email']);
    expect(create.responses['409']).toBeDefined();
    const list = doc.paths['/users'].get;
    expect(list.parameters!.map((p) => `${p.in}:${p.name}`).sort()).toEqual(
      ['query:cursor', 'query:email', 'query:limit', 'query:name', 'query:page', 'query:perPage'].sort(),
    );
    // A numbered page, or with limit/cursor a cursor page.
    const body = list.responses['200'].content!['application/json'].schema as {
      anyOf: { properties: Record<string, unknown> }[];
    };
    expect(body.anyOf.map((one) => Object.keys(one.properties).sort())).toEqual([
      ['items', 'page', 'pages', 'perPage', 'total'],
      ['hasNextPage', 'items', 'nextCursor'],
    ]);
    expect(doc.paths['/users/{id}'].get.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path' }),
      expect.objectContaining({ name: 'If-None-Match', in: 'header' }),
    ]);
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
