import { Ajv, type ValidateFunction } from 'ajv';
import { default as addFormatsModule } from 'ajv-formats';
import type TestAgent from 'supertest/lib/agent.js';
import type SupertestTest from 'supertest/lib/test.js';

/**
 * The one check that a response honours the OpenAPI document the app serves at /docs-json:
 * the status is documented for the operation, every required header is there and fits its
 * schema, the media type is a documented one and the body fits its schema (every line of an
 * NDJSON body fits `x-ndjson-line`). test-app.ts runs it on every supertest response;
 * process specs call `expectHonoursDocument()` on their fetch responses.
 */

/** One request and its response, as the check needs them. */
export interface Exchange {
  method: string;
  /** The request path, with or without a query string. */
  url: string;
  status: number;
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text (undefined when the client did not buffer it). */
  text?: string;
}

interface Operation {
  responses: Record<string, Response>;
}
interface Response {
  headers?: Record<string, Header | Ref>;
  content?: Record<string, { schema?: Schema }>;
}
interface Header {
  required?: boolean;
  schema?: Schema;
}
interface Ref {
  $ref: string;
}
type Schema = Record<string, unknown>;
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; headers?: Record<string, Header> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'openapi';

// ajv-formats is CommonJS with a default export: under ESM the function is on `default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Ajv as OpenAPI 3.0 schemas need it: Unicode-aware patterns (Ajv's default, and the document's
 * patterns use `\p{…}`), the formats (`date-time`), `nullable`, and extension keywords
 * (`example`, `x-…`) ignored rather than refused.
 */
export function createAjv(options: { unicodeRegExp?: boolean } = {}): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, ...options });
  addFormats(ajv);
  return ajv;
}

/** A checker for one document: compiles each schema once, on first use. */
export class Contract {
  private readonly ajv = createAjv();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly operations: { method: string; pattern: RegExp; template: string; operation: Operation }[];

  constructor(private readonly document: OpenApiDocument) {
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    this.operations = Object.entries(document.paths)
      .flatMap(([template, item]) =>
        Object.entries(item)
          .filter(([method]) => METHODS.includes(method))
          .map(([method, operation]) => ({
            method: method.toUpperCase(),
            template,
            operation,
            pattern: toPattern(template),
          })),
      )
      // `/users/stats` before `/users/{id}`: literal paths win, as in the app's router.
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  /** What in the exchange breaks the document; empty when it honours it or is no documented operation. */
  problems(exchange: Exchange): string[] {
    const path = exchange.url.split('?')[0];
    const found = this.operations.find((o) => o.method === exchange.method.toUpperCase() && o.pattern.test(path));
    if (!found) return []; // not an API operation (the docs page, an unknown route): nothing to honour
    const where = `${found.method} ${found.template} → ${exchange.status}`;
    const { responses } = found.operation;
    const response =
      responses[String(exchange.status)] ?? responses[`${String(exchange.status)[0]}XX`] ?? responses.default;
    if (!response) return [`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`];
    return [
      ...this.headerProblems(response, exchange).map((p) => `${where}: ${p}`),
      ...this.bodyProblems(response, exchange).map((p) => `${where}: ${p}`),
    ];
  }

  private headerProblems(response: Response, exchange: Exchange): string[] {
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = this.resolve<Header>(declared);
      const value = exchange.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) problems.push(`required header ${name} missing`);
        continue;
      }
      if (!header.schema) continue;
      const raw = Array.isArray(value) ? value.join(', ') : value;
      const type = (this.resolve<Schema>(header.schema) as { type?: string }).type;
      const typed = type === 'integer' || type === 'number' ? Number(raw) : raw;
      const errors = this.validate(header.schema, typed);
      if (errors) problems.push(`header ${name}: "${raw}" ${errors}`);
    }
    return problems;
  }

  private bodyProblems(response: Response, exchange: Exchange): string[] {
    const text = exchange.text ?? '';
    const contentType = String(exchange.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!response.content || exchange.status === 204 || exchange.status === 304) {
      return text.length > 0 ? [`a body (${contentType || 'no content-type'}) where the document declares none`] : [];
    }
    const media = response.content[contentType];
    if (!media) return [`content-type "${contentType}" not documented (${Object.keys(response.content).join(', ')})`];
    if (!media.schema || exchange.method.toUpperCase() === 'HEAD' || exchange.text === undefined) return [];
    if (contentType === 'application/json') return this.valueProblems(media.schema, parseJson(text), 'body');
    if (contentType === 'application/x-ndjson') {
      const line = (this.resolve<Schema>(media.schema) as { 'x-ndjson-line'?: Schema })['x-ndjson-line'];
      if (!text.endsWith('\n') && text.length > 0) return ['NDJSON body does not end with a line feed'];
      const lines = text.split('\n').slice(0, -1);
      return line ? lines.flatMap((value, i) => this.valueProblems(line, parseJson(value), `line ${i + 1}`)) : [];
    }
    return this.valueProblems(media.schema, text, 'body');
  }

  private valueProblems(schema: Schema, value: unknown, what: string): string[] {
    if (value === INVALID_JSON) return [`${what} is not JSON`];
    const errors = this.validate(schema, value);
    return errors ? [`${what} ${errors}: ${JSON.stringify(value).slice(0, 300)}`] : [];
  }

  /** Ajv's errors as one line, or undefined when `value` fits. */
  private validate(schema: Schema, value: unknown): string | undefined {
    const key = JSON.stringify(schema);
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(withDocumentRefs(schema));
      this.validators.set(key, validator);
    }
    if (validator(value)) return undefined;
    return this.ajv.errorsText(validator.errors, { dataVar: '' });
  }

  private resolve<T>(value: T | Ref): T {
    if (typeof value !== 'object' || value === null || !('$ref' in value)) return value;
    const [, ...segments] = value.$ref.split('/');
    let target: unknown = this.document;
    for (const segment of segments) target = (target as Record<string, unknown>)[segment];
    return target as T;
  }
}

const INVALID_JSON = Symbol('invalid JSON');
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

/** `#/components/…` refs point into the document Ajv holds as `openapi`. */
function withDocumentRefs(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${DOCUMENT_ID}#/`)) as Schema;
}

function toPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** One `Contract` per document text, so specs that start many apps compile each schema once. */
const contracts = new Map<string, Contract>();
export function contractFor(document: OpenApiDocument): Contract {
  const key = JSON.stringify(document);
  let contract = contracts.get(key);
  if (!contract) {
    contract = new Contract(document);
    contracts.set(key, contract);
  }
  return contract;
}

/** Throws, listing what is wrong, when the exchange breaks the document. */
export function assertHonours(contract: Contract, exchange: Exchange): void {
  const problems = contract.problems(exchange);
  if (problems.length > 0) {
    throw new Error(`response breaks the OpenAPI document:\n  ${problems.join('\n  ')}`);
  }
}

const served = new Map<string, Promise<Contract>>();
/** The contract of the document a running server serves at /docs-json (fetched once per origin). */
export function servedContract(origin: string): Promise<Contract> {
  let contract = served.get(origin);
  if (!contract) {
    contract = fetch(`${origin}/docs-json`)
      .then((res) => res.json() as Promise<OpenApiDocument>)
      .then(contractFor);
    served.set(origin, contract);
  }
  return contract;
}

/**
 * For process specs that call a running server with fetch: throws unless `res` honours the
 * document that server serves. Reads a clone, so the caller can still read the body.
 */
export async function expectHonoursDocument(res: globalThis.Response, method = 'GET'): Promise<void> {
  const url = new URL(res.url);
  const contract = await servedContract(url.origin);
  assertHonours(contract, {
    method,
    url: url.pathname,
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    text: await res.clone().text(),
  });
}

/** supertest whose every request (`get`, `post`, …) carries the `checkedAgainst` plugin. */
export function checkedHttp(http: TestAgent, contract: Contract): TestAgent {
  const plugin = checkedAgainst(contract);
  return new Proxy(http, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const made: unknown = value.apply(target, args);
        return made instanceof Object && 'use' in made ? (made as SupertestTest).use(plugin) : made;
      };
    },
  });
}

/**
 * A superagent plugin (applied to every request): when the request is sent, one
 * more assertion is queued after the spec's own `.expect()`s, so a spec's expectation about the
 * status fails first with its own message, and every response is then checked against the document.
 */
function checkedAgainst(contract: Contract) {
  return (test: SupertestTest) => {
    const end = test.end.bind(test);
    let queued = false;
    test.end = (callback) => {
      if (!queued) {
        queued = true;
        test.expect((res) =>
          assertHonours(contract, {
            method: test.method,
            url: new URL(test.url).pathname,
            status: res.status,
            headers: res.headers,
            text: typeof res.text === 'string' ? res.text : undefined,
          }),
        );
      }
      return end(callback);
    };
  };
}
