import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAjv } from '../../test/helpers/contract.js';
import { CreatePostSchema } from '../posts/posts.schemas.js';
import { CreateUserSchema, UpdateUserSchema } from '../users/users.schemas.js';
import { PageQuerySchema } from './pagination.js';
import { IdParamSchema } from './schemas.js';

/**
 * One source, two readers: the validation pipe runs the Zod schema, clients and contract testers
 * run the JSON Schema the OpenAPI document carries. For every value below both must give the
 * same verdict; a rule only one of them knows (a `.refine()`) would show up here as a mismatch.
 */

/** The JSON Schema of `schema` as the document states it, checked with Ajv both as Unicode-aware and as a plain-regexp tool. */
function documentValidators(schema: z.ZodType) {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' });
  const unicode = createAjv().compile(json);
  const plain = createAjv({ unicodeRegExp: false }).compile(json);
  return (value: unknown) => [unicode(value), plain(value)];
}

function expectSameVerdicts(schema: z.ZodType, values: unknown[]) {
  const document = documentValidators(schema);
  const disagreements = values
    .map((value) => ({ value, pipe: schema.safeParse(value).success, document: document(value) }))
    .filter(({ pipe, document: [unicode, plain] }) => unicode !== pipe || plain !== pipe);
  expect(disagreements).toEqual([]);
}

const NAMES = [
  'admin',
  ' admin ',
  '\tadmin\n',
  'a b',
  'a  b',
  'a'.repeat(50),
  'a'.repeat(51),
  ` ${'a'.repeat(49)}`,
  ` ${'a'.repeat(50)}`,
  'ü'.repeat(50),
  '𝒜'.repeat(50),
  '𝒜'.repeat(51),
  '🦄🌈',
  'e\u0301e\u0301',
  'שלום',
  'a\u200bb',
  'a\u00a0b',
  '\u00a0a\u00a0',
  '\ufeffa',
  '',
  ' ',
  ' \t ',
  'a\u0007b',
  'a\u0000b',
  'a\nb',
  'a\u0085b',
  'a\ud800b',
  'a\udc00',
  '\ud83e',
  42,
  null,
];

describe('request schemas: the pipe and the document accept the same values', () => {
  it('user names: 1–50 characters as sent, trimmed, no control characters or lone surrogates', () => {
    expectSameVerdicts(
      CreateUserSchema,
      NAMES.map((name) => ({ name, email: 'a@b' })),
    );
  });

  it('e-mails: local@domain, at most 120 characters', () => {
    const emails = [
      'a@b',
      'admin@localhost',
      ' Admin@Localhost ',
      `${'e'.repeat(110)}@localhost`,
      `${'e'.repeat(111)}@localhost`,
      'nobody',
      '@b',
      'a@',
      '@',
      'a@b@c',
      'a b@c',
      'a\u001b@b',
      'ü@ß',
      '𝒜@𝒜',
      'a\ud800@b',
      '',
      'a@b ',
    ];
    expectSameVerdicts(
      CreateUserSchema,
      emails.map((email) => ({ name: 'a', email })),
    );
  });

  it('a create needs both fields and nothing else; a change needs at least one', () => {
    const bodies = [{}, { name: 'a' }, { email: 'a@b' }, { name: 'a', email: 'a@b' }, { name: 'a', admin: true }];
    expectSameVerdicts(CreateUserSchema, [...bodies, [], 'x', null]);
    expectSameVerdicts(UpdateUserSchema, [...bodies, { name: undefined }, [], null]);
  });

  it('posts: title 1–200 characters, body up to 10 000 with line breaks and tabs', () => {
    const titles = ['Hello', ' Hello ', 't'.repeat(200), 't'.repeat(201), '', '  ', 'a\u0000b', 'a\nb'];
    const bodies = ['', 'text', 'line\nline\r\n\ttab', 'b'.repeat(10_000), 'b'.repeat(10_001), '𝒜'.repeat(10_000)];
    expectSameVerdicts(CreatePostSchema, [
      ...titles.map((title) => ({ title, body: '' })),
      ...bodies.map((body) => ({ title: 't', body })),
      { title: 't', body: 'a\u0000b' },
      { title: 't', body: 'a\u007fb' },
      { title: 't', body: 'a\ud800b' },
      { title: 't' },
      { title: 't', body: '', extra: 1 },
    ]);
  });
});

/** A query or path parameter as a client sends it (decimal digits) and as a contract tester reads it (an integer). */
function expectSameIntegers(schema: z.ZodType, numbers: number[]) {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' });
  expect(json).toMatchObject({ type: 'integer', minimum: 1 });
  const document = createAjv().compile(json);
  const disagreements = numbers
    .map((n) => ({ n, pipe: schema.safeParse(String(n)).success, document: document(n) }))
    .filter(({ pipe, document: verdict }) => pipe !== verdict);
  expect(disagreements).toEqual([]);
}

describe('integer parameters: the document states the integer each canonical spelling stands for', () => {
  it('ids: any integer from 1', () => {
    expectSameIntegers(IdParamSchema, [-1, 0, 1, 2, 1.5, 2 ** 31, 2 ** 53 - 1]);
  });

  it('page 1–1 000 000, perPage 1–100', () => {
    expectSameIntegers(PageQuerySchema.shape.page.unwrap(), [-1, 0, 1, 1.5, 999_999, 1_000_000, 1_000_001]);
    expectSameIntegers(PageQuerySchema.shape.perPage.unwrap(), [-1, 0, 1, 2.5, 100, 101, 1000]);
  });

  it('the pipe is stricter about spelling than "integer": no sign, exponent, hex, padding or leading zero', () => {
    for (const spelling of ['+1', '1e3', '0x10', ' 7', '01', '1.0', '']) {
      expect({ spelling, accepted: IdParamSchema.safeParse(spelling).success }).toEqual({ spelling, accepted: false });
    }
  });
});
