import { describe, expect, it } from 'vitest';
import { policyKind, policyParamsAreValid } from '../../../electron/core/vault/policy-slots.ts';
import type { PolicySlotParams } from '../../../electron/core/vault/policy-slots.ts';
import {
  describeFactor,
  factorParamsAreValid,
  offerFits,
} from '../../../electron/core/vault/factors.ts';
import type { FactorParams } from '../../../electron/core/vault/factor-types.ts';

// The stored shape of device, combined and quorum slots: what is refused as tampering before
// any device or KDF is asked, how a slot's kind follows from its factors, and how offers are
// matched to factors.

const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');
const passphrase: FactorParams = {
  kind: 'passphrase',
  memoryKiB: 19 * 1024,
  iterations: 2,
  parallelism: 1,
  salt: b64(16),
};
const yubiKey: FactorParams = { kind: 'yubikey-hmac', slot: 2, challenge: b64(32) };
const fido2: FactorParams = {
  kind: 'fido2',
  rpId: 'keywarden.vault',
  credentialId: b64(64),
  salt: b64(32),
  userVerified: true,
};
const token = (serial: string): FactorParams => ({
  kind: 'pkcs11',
  serial,
  label: 'officer',
  module: '',
  keyId: '01',
  mechanism: 'ecdh-p256',
  data: b64(65),
});
const tpm: FactorParams = {
  kind: 'tpm2',
  sealed: { public: b64(80), private: b64(120), pcrBank: 'sha256', pcrs: [7], auth: false },
};

const slot = (factors: FactorParams[], threshold?: number): PolicySlotParams => ({
  kdf: 'hkdf-sha256',
  salt: b64(16),
  factors,
  ...(threshold !== undefined
    ? { threshold, shares: factors.map(() => ({ nonce: b64(12), sealed: b64(49) })) }
    : {}),
});

describe('stored policy slots', () => {
  it('accept the shapes Keywarden writes', () => {
    expect(policyParamsAreValid('yubikey-hmac', slot([yubiKey]))).toBe(true);
    expect(policyParamsAreValid('combined', slot([passphrase, tpm]))).toBe(true);
    expect(policyParamsAreValid('quorum', slot([token('a'), token('b'), fido2], 2))).toBe(true);
  });

  it.each([
    ['a kind that does not match its factors', 'tpm2', slot([yubiKey])],
    ['a combined slot of one factor', 'combined', slot([yubiKey])],
    ['a threshold of 1', 'quorum', slot([token('a'), token('b')], 1)],
    ['a threshold above n', 'quorum', slot([token('a'), token('b')], 3)],
    ['a quorum without shares', 'quorum', { ...slot([token('a'), token('b')]), threshold: 2 }],
    ['a share missing', 'quorum', { ...slot([token('a'), token('b')], 2), shares: [] }],
    ['no factors', 'combined', slot([])],
    ['17 factors', 'combined', slot(Array.from({ length: 17 }, () => passphrase))],
    ['another kdf', 'combined', { ...slot([passphrase, tpm]), kdf: 'none' }],
    ['a threshold on a combined slot', 'combined', { ...slot([passphrase, tpm]), threshold: 2 }],
  ])('refuse %s', (_name, kind, params) => {
    expect(policyParamsAreValid(kind, params)).toBe(false);
  });
});

describe('stored factors', () => {
  it.each([
    ['a passphrase of 100 GiB', { ...passphrase, memoryKiB: 100 * 1024 * 1024 }],
    ['a passphrase of one iteration', { ...passphrase, iterations: 1 }],
    ['a YubiKey challenge of 31 bytes', { ...yubiKey, challenge: b64(31) }],
    ['a YubiKey slot 3', { ...yubiKey, slot: 3 }],
    ['a FIDO2 salt of 16 bytes', { ...fido2, salt: b64(16) }],
    ['a FIDO2 credential that is not base64', { ...fido2, credentialId: 'not base64!' }],
    ['an unknown token mechanism', { ...token('a'), mechanism: 'rsa-pkcs1' }],
    ['a token value that is not canonical base64', { ...token('a'), data: 'AAAA=' }],
    ['a TPM PIN with impossible cost', { ...tpm, pin: { ...passphrase, iterations: 0 } }],
    ['an unknown kind', { kind: 'retina' }],
    ['null', null],
  ])('refuse %s', (_name, params) => {
    expect(factorParamsAreValid(params)).toBe(false);
  });

  it('accept each kind as written', () => {
    for (const params of [passphrase, yubiKey, fido2, token('a'), tpm]) {
      expect(factorParamsAreValid(params)).toBe(true);
    }
  });
});

describe('slot kinds, words and offers', () => {
  it('names a slot by its factors', () => {
    expect(policyKind([tpm])).toBe('tpm2');
    expect(policyKind([passphrase, tpm])).toBe('combined');
    expect(policyKind([token('a'), token('b')], 2)).toBe('quorum');
  });

  it('describes factors without any secret', () => {
    expect([passphrase, tpm, token('a'), yubiKey, fido2].map(describeFactor)).toEqual([
      'passphrase',
      'TPM, PCR 7',
      'token a (officer) key 01',
      'YubiKey slot 2',
      'FIDO2 key with PIN',
    ]);
  });

  it('matches a token offer by serial, other offers by kind', () => {
    const pin = Buffer.from('1234');
    expect(offerFits(token('a'), { kind: 'pkcs11', serial: 'a', pin })).toBe(true);
    expect(offerFits(token('a'), { kind: 'pkcs11', serial: 'b', pin })).toBe(false);
    expect(offerFits(tpm, { kind: 'tpm2' })).toBe(true);
    expect(offerFits(tpm, { kind: 'passphrase', passphrase: pin })).toBe(false);
  });
});
