import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH } from './chain.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined properties and adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: undefined, b: 'é' } })).toBe('{"a":{"b":"é","d":[true,null,"x"]},"b":1}');
  });

  it('is the same text whatever order the keys were written in, and parses back to the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        const reordered = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        expect(canonicalJson(reordered)).toBe(text);
      }),
    );
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });
});

describe('chain hash', () => {
  it('covers the sequence, the predecessor and the text', () => {
    const base = chainHash(1, GENESIS_HASH, '{"a":1}');
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(2, GENESIS_HASH, '{"a":1}')).not.toBe(base);
    expect(chainHash(1, '1'.repeat(64), '{"a":1}')).not.toBe(base);
    expect(chainHash(1, GENESIS_HASH, '{"a":2}')).not.toBe(base);
    expect(chainHash(1, GENESIS_HASH, '{"a":1}')).toBe(base);
  });
});
