import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import {
  exportKeyPublic,
  signWithKey,
  verifyWithKey,
} from '../../electron/core/inventory/key-operations.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { KeyAlgorithm, KeyView } from '../../electron/shared/inventory-types.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Keywarden's signatures and exported public keys against the peers people check them
// with: OpenSSL verifies every signature and reads every PEM, ssh-keygen reads every
// OpenSSH line and shows the fingerprint Keywarden shows, JWK round-trips.

let dir: TempDir;
let vault: UnlockedVault;
const now = new Date();
const message = Buffer.from('release 1.2.3 of the firmware\n');

beforeAll(async () => {
  dir = tempDir('keywarden-interop-');
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
  registerPeople(vault, [['Alice', ['officer']]]);
});
afterAll(() => {
  vault.lock('tester');
  dir.cleanup();
});

const generate = (algorithm: KeyAlgorithm, purposes: string[]) =>
  generateKey(
    vault,
    'Alice',
    { name: `${algorithm} test key`, algorithm, purposes, owner: 'Alice' },
    now,
  );

function file(name: string, content: string | Buffer): string {
  const path = dir.file(name);
  writeFileSync(path, content);
  return path;
}

const run = (command: string, args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('signatures OpenSSL verifies', () => {
  it.each([
    ['ed25519', 'pkcs1'],
    ['p256', 'pkcs1'],
    ['p384', 'pkcs1'],
    ['rsa3072', 'pkcs1'],
    ['rsa3072', 'pss'],
    ['rsa4096', 'pkcs1'],
  ] as const)('%s (%s)', async (algorithm, padding) => {
    const key = await generate(algorithm, ['sign', 'verify']);
    const signature = signWithKey(vault, 'Alice', key.id, message, padding);
    expect(verifyWithKey(vault, 'Alice', key.id, message, signature, padding)).toBe(true);
    expect(verifyWithKey(vault, 'Alice', key.id, Buffer.from('tampered'), signature, padding)).toBe(
      false,
    );
    const pem = file(`${key.id}.pem`, exportKeyPublic(vault, key.id, 'pem'));
    const data = file(`${key.id}.data`, message);
    const sig = file(`${key.id}.${padding}.sig`, signature);
    if (algorithm === 'ed25519') {
      expect(
        run('openssl', [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          pem,
          '-rawin',
          '-in',
          data,
          '-sigfile',
          sig,
        ]),
      ).toMatch(/Signature Verified Successfully/);
    } else {
      const hash = algorithm === 'p384' ? '-sha384' : '-sha256';
      const pss =
        padding === 'pss'
          ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1']
          : [];
      expect(
        run('openssl', ['dgst', hash, ...pss, '-verify', pem, '-signature', sig, data]),
      ).toMatch(/Verified OK/);
    }
  });
});

describe('exported public keys', () => {
  it.each(['ed25519', 'p256', 'p384', 'rsa3072', 'rsa4096'] as const)(
    '%s: ssh-keygen shows the fingerprint Keywarden shows',
    async (algorithm) => {
      const key = await generate(algorithm, ['sign', 'ssh-auth']);
      const line = exportKeyPublic(vault, key.id, 'openssh');
      expect(line.endsWith(` ${key.name}\n`)).toBe(true);
      const listed = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', file(`${key.id}.pub`, line)]);
      expect(listed.split(' ')[1]).toBe(key.fingerprint);
    },
  );

  it.each(['ed25519', 'x25519', 'p256', 'p384', 'rsa3072'] as const)(
    '%s: OpenSSL reads the PEM, and the JWK round-trips',
    async (algorithm) => {
      const key: KeyView = await generate(algorithm, algorithm === 'x25519' ? ['agree'] : ['sign']);
      const pem = exportKeyPublic(vault, key.id, 'pem');
      const text = run('openssl', [
        'pkey',
        '-pubin',
        '-in',
        file(`${key.id}-r.pem`, pem),
        '-outform',
        'DER',
        '-out',
        dir.file(`${key.id}.der`),
      ]);
      expect(text).toBe('');
      const jwk = JSON.parse(exportKeyPublic(vault, key.id, 'jwk')) as Record<string, string>;
      expect(jwk.kid).toBe(key.fingerprint);
      const fromJwk = createPublicKey({ key: jwk, format: 'jwk' }).export({
        type: 'spki',
        format: 'der',
      });
      expect(fromJwk.toString('base64')).toBe(key.publicKey);
    },
  );

  it('refuses forms that do not exist, with FORMAT_UNSUPPORTED', async () => {
    const x25519 = await generate('x25519', ['agree']);
    expect(() => exportKeyPublic(vault, x25519.id, 'openssh')).toThrow(
      expect.objectContaining({ code: 'FORMAT_UNSUPPORTED' }),
    );
    const aes = await generate('aes256', ['encrypt']);
    expect(() => exportKeyPublic(vault, aes.id, 'pem')).toThrow(
      expect.objectContaining({ code: 'FORMAT_UNSUPPORTED' }),
    );
  });
});

describe('what a key may still do', () => {
  it('a deactivated key verifies but never signs; a key for other purposes never signs', async () => {
    const key = await generate('p256', ['sign', 'verify']);
    const signature = signWithKey(vault, 'Alice', key.id, message);
    transitionKey(vault, 'Alice', key.id, 'deactivated', 'superseded by a new key', now);
    expect(() => signWithKey(vault, 'Alice', key.id, message)).toThrow(
      expect.objectContaining({ code: 'KEY_STATE_INVALID' }),
    );
    expect(verifyWithKey(vault, 'Alice', key.id, message, signature)).toBe(true);
    const agreement = await generate('p256', ['agree']);
    expect(() => signWithKey(vault, 'Alice', agreement.id, message)).toThrow(
      expect.objectContaining({ code: 'KEY_PURPOSE_MISMATCH' }),
    );
    const audit = vault.verifyAudit();
    expect(audit.intact).toBe(true);
  });
});
