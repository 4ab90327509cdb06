import { describe, expect, it } from 'vitest';
import { bearerToken, tokensMatch } from './token.js';

describe('tokensMatch', () => {
  it('accepts only the identical token, whatever the lengths', () => {
    expect(tokensMatch('s3cret-token-value', 's3cret-token-value')).toBe(true);
    expect(tokensMatch('s3cret-token-valuE', 's3cret-token-value')).toBe(false);
    expect(tokensMatch('s3cret', 's3cret-token-value')).toBe(false);
    expect(tokensMatch('', 's3cret-token-value')).toBe(false);
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, case-insensitively, and nothing else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
