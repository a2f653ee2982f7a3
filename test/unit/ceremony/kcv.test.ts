import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aesCmac,
  keyCheckValue,
  legacyKeyCheckValue,
  secretFingerprint,
} from '../../../electron/core/ceremony/kcv.ts';

// Key check values: AES-CMAC against the examples of RFC 4493 and NIST SP 800-38B and against
// OpenSSL's own CMAC for random keys and lengths; the legacy check value against the published
// AES encryptions of the zero block.

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const MESSAGE = hex(`6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51
  30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710`);
const K128 = hex('2b7e1516 28aed2a6 abf71588 09cf4f3c');
const K256 = hex('603deb10 15ca71be 2b73aef0 857d7781 1f352c07 3b6108d7 2d9810a3 0914dff4');

describe('AES-CMAC', () => {
  it.each([
    [0, 'bb1d6929 e9593728 7fa37d12 9b756746'],
    [16, '070a16b4 6b4d4144 f79bdd9d d04a287c'],
    [40, 'dfa66747 de9ae630 30ca3261 1497c827'],
    [64, '51f0bebf 7e3b9d92 fc497417 79363cfe'],
  ])('RFC 4493, AES-128, %i bytes', (length, tag) => {
    expect(aesCmac(K128, MESSAGE.subarray(0, length))).toEqual(hex(tag));
  });

  it.each([
    [0, '028962f6 1b7bf89e fc6b551f 4667d983'],
    [16, '28a7023f 452e8f82 bd4bf28d 8c37c35c'],
    [40, 'aaf3d8f1 de5640c2 32f5b169 b9c911e6'],
    [64, 'e1992190 549f6ed5 696a2c05 6c315410'],
  ])('SP 800-38B, AES-256, %i bytes', (length, tag) => {
    expect(aesCmac(K256, MESSAGE.subarray(0, length))).toEqual(hex(tag));
  });

  it('agrees with OpenSSL for random keys of every size and random lengths', () => {
    for (let round = 0; round < 12; round += 1) {
      const key = randomBytes([16, 24, 32][round % 3]!);
      const message = randomBytes(randomInt(0, 70));
      const openssl = execFileSync(
        'openssl',
        [
          'mac',
          '-cipher',
          `AES-${key.length * 8}-CBC`,
          '-macopt',
          `hexkey:${key.toString('hex')}`,
          'CMAC',
        ],
        { input: message },
      )
        .toString()
        .trim();
      expect(aesCmac(key, message).toString('hex').toUpperCase()).toBe(openssl);
    }
  });

  it('refuses a key that is not AES-128, -192 or -256 with BAD_REQUEST', () => {
    expect(() => aesCmac(Buffer.alloc(15), Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
  });
});

describe('key check values', () => {
  it('the PCI form is the first 3 bytes of CMAC over a zero block', () => {
    expect(keyCheckValue(K128)).toBe(
      aesCmac(K128, Buffer.alloc(16)).subarray(0, 3).toString('hex').toUpperCase(),
    );
    expect(keyCheckValue(K256)).toHaveLength(6);
  });

  it('the legacy form is the zero block encrypted: published answers for all-zero keys', () => {
    // AES-128 and AES-256 of the zero block under the zero key (FIPS-197 known answers).
    expect(legacyKeyCheckValue(Buffer.alloc(16))).toBe('66E94B');
    expect(legacyKeyCheckValue(Buffer.alloc(32))).toBe('DC95C0');
  });

  it('a secret that is not an AES key gets an HMAC check value; fingerprints differ per secret', () => {
    const seed = randomBytes(64);
    expect(keyCheckValue(seed)).toMatch(/^[0-9A-F]{6}$/);
    expect(secretFingerprint(seed)).toMatch(/^[0-9a-f]{32}$/);
    expect(secretFingerprint(seed)).not.toBe(secretFingerprint(randomBytes(64)));
  });
});
