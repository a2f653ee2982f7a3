import { describe, expect, it } from 'vitest';
import { deriveSubkey, hkdfSha256, SubkeyLabel } from '../../../electron/core/crypto/subkeys.ts';
import vectors from './vectors/hkdf-sha256-rfc5869.json' with { type: 'json' };

describe('HKDF-SHA-256 against RFC 5869', () => {
  it.each(vectors.cases.map((v, i) => [i + 1, v] as const))('test case %i', (_i, v) => {
    const okm = hkdfSha256(
      Buffer.from(v.ikm, 'hex'),
      Buffer.from(v.salt, 'hex'),
      Buffer.from(v.info, 'hex'),
      v.length,
    );
    expect(okm.toString('hex')).toBe(v.okm);
  });
});

describe('vault subkeys', () => {
  it('differ per label and per vault', () => {
    const vmk = Buffer.alloc(32, 1);
    const vaultA = Buffer.alloc(16, 2);
    const vaultB = Buffer.alloc(16, 3);
    const keys = Object.values(SubkeyLabel).map((label) =>
      deriveSubkey(vmk, vaultA, label).toString('hex'),
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      deriveSubkey(vmk, vaultB, SubkeyLabel.DEK_WRAP).equals(
        deriveSubkey(vmk, vaultA, SubkeyLabel.DEK_WRAP),
      ),
    ).toBe(false);
  });
});
