import { describe, expect, it } from 'vitest';
import { encodeFields, equalBytes, zeroize } from '../../../electron/core/crypto/bytes.ts';

describe('encodeFields', () => {
  it('never encodes two different field lists the same', () => {
    expect(encodeFields('ab', 'c').equals(encodeFields('a', 'bc'))).toBe(false);
    expect(encodeFields('a', '').equals(encodeFields('a'))).toBe(false);
    expect(encodeFields(1).equals(encodeFields('1'))).toBe(false);
  });

  it('refuses numbers that are not non-negative integers', () => {
    expect(() => encodeFields(-1)).toThrow(RangeError);
    expect(() => encodeFields(1.5)).toThrow(RangeError);
  });
});

describe('zeroize and equalBytes', () => {
  it('clears every buffer given and skips nulls', () => {
    const a = Buffer.from('secret');
    const b = new Uint8Array([1, 2, 3]);
    zeroize(a, null, b, undefined);
    expect([...a].every((x) => x === 0)).toBe(true);
    expect([...b]).toEqual([0, 0, 0]);
  });

  it('compares in constant time and handles different lengths', () => {
    expect(equalBytes(Buffer.from('ab'), Buffer.from('ab'))).toBe(true);
    expect(equalBytes(Buffer.from('ab'), Buffer.from('ac'))).toBe(false);
    expect(equalBytes(Buffer.from('ab'), Buffer.from('abc'))).toBe(false);
  });
});
