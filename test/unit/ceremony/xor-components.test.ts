import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  combineComponents,
  splitComponents,
} from '../../../electron/core/ceremony/xor-components.ts';
import { keyCheckValue } from '../../../electron/core/ceremony/kcv.ts';

// XOR key components: any count from 2 to 16 rebuilds the key, each component's check value is
// its own, and a wrong, missing or mismatched component is caught by the combined check value.

describe('XOR key components', () => {
  it('split into 2 to 5 components and combine back, each with its own check value', () => {
    for (let count = 2; count <= 5; count += 1) {
      const key = randomBytes(32);
      const components = splitComponents(key, count);
      expect(components.map((c) => c.index)).toEqual(
        Array.from({ length: count }, (_, i) => i + 1),
      );
      for (const component of components) {
        expect(component.value).toHaveLength(32);
        expect(component.kcv).toBe(keyCheckValue(component.value));
        expect(component.value.equals(key)).toBe(false);
      }
      const combined = combineComponents(
        components.map((c) => c.value),
        keyCheckValue(key),
      );
      expect(combined).toEqual(key);
    }
  });

  it('a mistyped or missing component is KCV_MISMATCH, and the combined key is not returned', () => {
    const key = randomBytes(16);
    const [a, b, c] = splitComponents(key, 3);
    const typo = Buffer.from(b!.value);
    typo[5]! ^= 0x10;
    expect(() => combineComponents([a!.value, typo, c!.value], keyCheckValue(key))).toThrow(
      expect.objectContaining({ code: 'KCV_MISMATCH' }),
    );
    expect(() => combineComponents([a!.value, b!.value], keyCheckValue(key))).toThrow(
      expect.objectContaining({ code: 'KCV_MISMATCH' }),
    );
  });

  it('refuses bad requests with BAD_REQUEST', () => {
    const key = randomBytes(32);
    for (const count of [1, 17, 2.5]) {
      expect(() => splitComponents(key, count)).toThrow(
        expect.objectContaining({ code: 'BAD_REQUEST' }),
      );
    }
    expect(() => combineComponents([randomBytes(32)], 'ABCDEF')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    expect(() => combineComponents([randomBytes(32), randomBytes(16)], 'ABCDEF')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
  });
});
