import { execFileSync } from 'node:child_process';
import { createCipheriv, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptWithKey,
  encryptWithKey,
  macWithKey,
  unwrapWithKey,
  verifyMacWithKey,
  wrapWithKey,
} from '../../electron/core/inventory/key-ciphers.ts';
import { exportKeyPublic } from '../../electron/core/inventory/key-operations.ts';
import { transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { KeyAlgorithm, Purpose } from '../../electron/shared/inventory-types.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Encryption, key wrap and HMAC with keys held in the vault, checked against OpenSSL and
// the RFC 5649 examples.

let dir: TempDir;
let vault: UnlockedVault;
const now = new Date();

beforeAll(async () => {
  dir = tempDir('keywarden-ciphers-');
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
  registerPeople(vault, [['Alice', ['officer']]]);
});
afterAll(() => {
  vault.lock('tester');
  dir.cleanup();
});

const generate = (algorithm: KeyAlgorithm, purposes: Purpose[]) =>
  generateKey(
    vault,
    'Alice',
    { name: `${algorithm} key`, algorithm, purposes, owner: 'Alice' },
    now,
  );
const code = (c: string) => expect.objectContaining({ code: c });

describe('AES-256-GCM', () => {
  it('round-trips with AAD; a changed AAD, byte or key fails with DECRYPTION_FAILED', async () => {
    const key = await generate('aes256', ['encrypt', 'decrypt']);
    const other = await generate('aes256', ['encrypt', 'decrypt']);
    const aad = Buffer.from('record 42');
    const sealed = encryptWithKey(vault, 'Alice', key.id, Buffer.from('payroll.csv contents'), aad);
    expect(sealed.length).toBe(12 + 20 + 16);
    expect(decryptWithKey(vault, 'Alice', key.id, sealed, aad).toString()).toBe(
      'payroll.csv contents',
    );
    expect(() => decryptWithKey(vault, 'Alice', key.id, sealed, Buffer.from('record 43'))).toThrow(
      code('DECRYPTION_FAILED'),
    );
    const flipped = Buffer.from(sealed);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    expect(() => decryptWithKey(vault, 'Alice', key.id, flipped, aad)).toThrow(
      code('DECRYPTION_FAILED'),
    );
    expect(() => decryptWithKey(vault, 'Alice', other.id, sealed, aad)).toThrow(
      code('DECRYPTION_FAILED'),
    );
  });

  it('a deactivated key decrypts but never encrypts', async () => {
    const key = await generate('aes256', ['encrypt', 'decrypt']);
    const sealed = encryptWithKey(vault, 'Alice', key.id, Buffer.from('old data'));
    transitionKey(vault, 'Alice', key.id, 'deactivated', 'rotated', now);
    expect(decryptWithKey(vault, 'Alice', key.id, sealed).toString()).toBe('old data');
    expect(() => encryptWithKey(vault, 'Alice', key.id, Buffer.from('new data'))).toThrow(
      code('KEY_STATE_INVALID'),
    );
  });
});

describe('RSA-OAEP-SHA-256', () => {
  it('decrypts what OpenSSL encrypts to the exported public key, and round-trips', async () => {
    const key = await generate('rsa3072', ['encrypt', 'decrypt']);
    const pem = dir.file(`${key.id}.pem`);
    writeFileSync(pem, exportKeyPublic(vault, key.id, 'pem'));
    const plain = dir.file('plain');
    writeFileSync(plain, 'a data key: 0123456789abcdef');
    const out = dir.file(`${key.id}.enc`);
    execFileSync('openssl', [
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-inkey',
      pem,
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
      '-pkeyopt',
      'rsa_mgf1_md:sha256',
      '-in',
      plain,
      '-out',
      out,
    ]);
    expect(decryptWithKey(vault, 'Alice', key.id, readFileSync(out)).toString()).toBe(
      'a data key: 0123456789abcdef',
    );
    const ours = encryptWithKey(vault, 'Alice', key.id, Buffer.from('short secret'));
    expect(ours).toHaveLength(384);
    expect(decryptWithKey(vault, 'Alice', key.id, ours).toString()).toBe('short secret');
    expect(() => encryptWithKey(vault, 'Alice', key.id, Buffer.alloc(400))).toThrow(
      code('BAD_REQUEST'),
    );
    expect(() => decryptWithKey(vault, 'Alice', key.id, Buffer.alloc(384, 1))).toThrow(
      code('DECRYPTION_FAILED'),
    );
  });
});

describe('AES Key Wrap with Padding (RFC 5649)', () => {
  it('the primitive matches RFC 5649 section 6', () => {
    const kek = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
    const wrap = (key: string) => {
      const cipher = createCipheriv('id-aes192-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
      return Buffer.concat([cipher.update(Buffer.from(key, 'hex')), cipher.final()]).toString(
        'hex',
      );
    };
    expect(wrap('c37b7e6492584340bed12207808941155068f738')).toBe(
      '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a',
    );
    expect(wrap('466f7250617369')).toBe('afbeb0f07dfbf5419200f2ccb50bb24f');
  });

  it('wraps and unwraps under a vault key; a changed byte fails its integrity check', async () => {
    const kek = await generate('aes256', ['wrap', 'unwrap']);
    for (const length of [1, 7, 8, 32, 33]) {
      const secret = Buffer.alloc(length, 0x5a);
      const wrapped = wrapWithKey(vault, 'Alice', kek.id, secret);
      expect(wrapped.length).toBe(8 + Math.ceil(length / 8) * 8);
      expect(unwrapWithKey(vault, 'Alice', kek.id, wrapped).equals(secret)).toBe(true);
    }
    const wrapped = wrapWithKey(vault, 'Alice', kek.id, Buffer.alloc(32, 1));
    wrapped[5] = (wrapped[5] ?? 0) ^ 1;
    expect(() => unwrapWithKey(vault, 'Alice', kek.id, wrapped)).toThrow(code('DECRYPTION_FAILED'));
    expect(() => wrapWithKey(vault, 'Alice', kek.id, Buffer.alloc(0))).toThrow(code('BAD_REQUEST'));
  });
});

describe('HMAC-SHA-256', () => {
  it('matches node:crypto over the stored key, and verifies in constant time', async () => {
    const key = await generate('hmac-sha256', ['mac', 'verify']);
    const tag = macWithKey(vault, 'Alice', key.id, Buffer.from('message'));
    const material = vault.readRecordBody('Alice', 'keys', key.id);
    expect(tag.equals(createHmac('sha256', material).update('message').digest())).toBe(true);
    material.fill(0);
    expect(verifyMacWithKey(vault, 'Alice', key.id, Buffer.from('message'), tag)).toBe(true);
    expect(verifyMacWithKey(vault, 'Alice', key.id, Buffer.from('massage'), tag)).toBe(false);
    expect(
      verifyMacWithKey(vault, 'Alice', key.id, Buffer.from('message'), tag.subarray(0, 16)),
    ).toBe(false);
  });

  it('refuses a key of the wrong kind, and records only byte counts in the audit log', async () => {
    const signing = await generate('ed25519', ['sign']);
    expect(() => macWithKey(vault, 'Alice', signing.id, Buffer.from('x'))).toThrow(
      code('KEY_PURPOSE_MISMATCH'),
    );
    const aes = await generate('aes256', ['encrypt', 'decrypt']);
    encryptWithKey(vault, 'Alice', aes.id, Buffer.from('top secret words'));
    const file = readFileSync(dir.file('v.kw'));
    expect(file.includes(Buffer.from('top secret words'))).toBe(false);
    expect(vault.verifyAudit().intact).toBe(true);
  });
});
