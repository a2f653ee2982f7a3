import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptWithKey, encryptWithKey } from '../../electron/core/inventory/key-ciphers.ts';
import { importKey } from '../../electron/core/inventory/key-import.ts';
import { listKeys } from '../../electron/core/inventory/key-inventory.ts';
import {
  exportKeyPublic,
  signWithKey,
  verifyWithKey,
} from '../../electron/core/inventory/key-operations.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { TEST_PASSPHRASE, makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Imported keys in the vault: made by ssh-keygen and openssl, imported, then used. A private
// key signs what OpenSSL verifies; a public key alone verifies but never signs; a refused
// import leaves nothing behind.

let dir: TempDir;
let vault: UnlockedVault;
const now = new Date();
const message = Buffer.from('imported and used');
const code = (c: string) => expect.objectContaining({ code: c });
const tool = (command: string, ...args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const read = (name: string) => readFileSync(dir.file(name));

beforeAll(async () => {
  dir = tempDir('keywarden-import-');
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
  registerPeople(vault, [['Alice', ['officer']]]);
});
afterAll(() => {
  if (!vault.locked) vault.lock('tester');
  dir.cleanup();
});

const entry = { purposes: ['sign', 'verify'], owner: 'Alice' };

describe('importKey', () => {
  it('imports an encrypted OpenSSH Ed25519 key that then signs what OpenSSL verifies', async () => {
    tool(
      'ssh-keygen',
      '-q',
      '-t',
      'ed25519',
      '-N',
      'ssh passphrase',
      '-C',
      'alice@laptop',
      '-f',
      dir.file('id_ed25519'),
    );
    await expect(
      importKey(vault, 'Alice', { ...entry, file: read('id_ed25519') }, now),
    ).rejects.toThrow(code('PASSPHRASE_REQUIRED'));
    await expect(
      importKey(
        vault,
        'Alice',
        { ...entry, file: read('id_ed25519'), passphrase: Buffer.from('wrong') },
        now,
      ),
    ).rejects.toThrow(code('PASSPHRASE_INCORRECT'));
    const key = await importKey(
      vault,
      'Alice',
      { ...entry, file: read('id_ed25519'), passphrase: Buffer.from('ssh passphrase') },
      now,
    );
    expect(key).toMatchObject({
      name: 'alice@laptop',
      algorithm: 'ed25519',
      state: 'active',
      publicOnly: false,
    });
    expect(key.history[0]?.reason).toBe('imported (openssh-private)');
    // The fingerprint is ssh-keygen's.
    expect(tool('ssh-keygen', '-l', '-f', dir.file('id_ed25519.pub'))).toContain(key.fingerprint);
    const signature = signWithKey(vault, 'Alice', key.id, message);
    writeFileSync(dir.file('msg'), message);
    writeFileSync(dir.file('sig'), signature);
    writeFileSync(dir.file('pub.pem'), exportKeyPublic(vault, key.id, 'pem'));
    expect(
      tool(
        'openssl',
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        dir.file('pub.pem'),
        '-rawin',
        '-in',
        dir.file('msg'),
        '-sigfile',
        dir.file('sig'),
      ),
    ).toContain('Signature Verified Successfully');
  });

  it('imports an RSA public key alone: it verifies and encrypts, never signs or decrypts', async () => {
    tool(
      'openssl',
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-out',
      dir.file('rsa.pem'),
    );
    tool('openssl', 'pkey', '-in', dir.file('rsa.pem'), '-pubout', '-out', dir.file('rsa.pub.pem'));
    await expect(
      importKey(
        vault,
        'Alice',
        { purposes: ['sign'], owner: 'Alice', file: read('rsa.pub.pem') },
        now,
      ),
    ).rejects.toThrow(code('BAD_REQUEST'));
    const key = await importKey(
      vault,
      'Alice',
      {
        name: 'partner',
        purposes: ['verify', 'encrypt'],
        owner: 'Alice',
        file: read('rsa.pub.pem'),
      },
      now,
    );
    expect(key).toMatchObject({ algorithm: 'rsa2048', publicOnly: true });
    writeFileSync(dir.file('m2'), message);
    tool(
      'openssl',
      'dgst',
      '-sha256',
      '-sign',
      dir.file('rsa.pem'),
      '-out',
      dir.file('s2'),
      dir.file('m2'),
    );
    expect(verifyWithKey(vault, 'Alice', key.id, message, read('s2'))).toBe(true);
    const sealed = encryptWithKey(vault, 'Alice', key.id, Buffer.from('for the partner'));
    writeFileSync(dir.file('sealed'), sealed);
    expect(
      tool(
        'openssl',
        'pkeyutl',
        '-decrypt',
        '-inkey',
        dir.file('rsa.pem'),
        '-in',
        dir.file('sealed'),
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha256',
      ),
    ).toBe('for the partner');
    expect(() => decryptWithKey(vault, 'Alice', key.id, sealed)).toThrow(
      code('KEY_PURPOSE_MISMATCH'),
    );
  });

  it('imports a JWK AES key, and refuses garbage, leaving the inventory as it was', async () => {
    const raw = randomBytes(32);
    const jwk = Buffer.from(
      JSON.stringify({
        kty: 'oct',
        k: raw.toString('base64url'),
        alg: 'A256GCM',
        kid: 'backup-key',
      }),
    );
    const key = await importKey(
      vault,
      'Alice',
      { purposes: ['encrypt', 'decrypt'], owner: 'Alice', file: jwk },
      now,
    );
    expect(key).toMatchObject({ name: 'backup-key', algorithm: 'aes256', publicKey: null });
    const sealed = encryptWithKey(vault, 'Alice', key.id, message);
    expect(decryptWithKey(vault, 'Alice', key.id, sealed)).toEqual(message);

    const before = listKeys(vault, {}, now).length;
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    await expect(
      importKey(vault, 'Alice', { ...entry, file: Buffer.from(p521) }, now),
    ).rejects.toThrow(code('FORMAT_UNSUPPORTED'));
    await expect(
      importKey(
        vault,
        'Alice',
        { ...entry, file: Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIB\n') },
        now,
      ),
    ).rejects.toThrow(code('FORMAT_INVALID'));
    await expect(
      importKey(vault, 'Alice', { ...entry, file: randomBytes(300) }, now),
    ).rejects.toThrow(code('FORMAT_INVALID'));
    expect(listKeys(vault, {}, now)).toHaveLength(before);
    const audit = vault.verifyAudit();
    expect(audit.intact).toBe(true);
  });
});

describe('round trips', () => {
  it.each(['jwk', 'openssh', 'pem'] as const)(
    'an exported %s public key imports back with the same fingerprint',
    async (format) => {
      const source = await importKey(
        vault,
        'Alice',
        {
          name: `source ${format}`,
          purposes: ['sign', 'verify'],
          owner: 'Alice',
          file: Buffer.from(
            generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
              type: 'pkcs8',
              format: 'pem',
            }),
          ),
        },
        now,
      );
      const copy = await importKey(
        vault,
        'Alice',
        {
          name: `copy ${format}`,
          purposes: ['verify'],
          owner: 'Alice',
          file: Buffer.from(exportKeyPublic(vault, source.id, format)),
        },
        now,
      );
      expect(copy).toMatchObject({ publicOnly: true, algorithm: 'p256' });
      expect(copy.fingerprint).toBe(source.fingerprint);
      expect(copy.publicKey).toBe(source.publicKey);
      const signature = signWithKey(vault, 'Alice', source.id, message);
      expect(verifyWithKey(vault, 'Alice', copy.id, message, signature)).toBe(true);
    },
  );
});

describe('keywarden keys import', () => {
  it('imports an encrypted PKCS#8 file with its passphrase from a file', async () => {
    vault.lock('tester');
    tool(
      'openssl',
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-out',
      dir.file('p384.pem'),
    );
    writeFileSync(dir.file('keypass'), 'key file passphrase', { mode: 0o600 });
    tool(
      'openssl',
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      dir.file('p384.pem'),
      '-out',
      dir.file('p384.enc.pem'),
      '-passout',
      `file:${dir.file('keypass')}`,
    );
    writeFileSync(dir.file('pass'), TEST_PASSPHRASE, { mode: 0o600 });
    const base = [
      '--vault',
      dir.file('v.kw'),
      '--passphrase-file',
      dir.file('pass'),
      '--actor',
      'Alice',
    ];
    const result = await runKeywarden([
      'keys',
      'import',
      '--file',
      dir.file('p384.enc.pem'),
      '--key-passphrase-file',
      dir.file('keypass'),
      '--name',
      'issuer',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--json',
      ...base,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const key = JSON.parse(result.stdout) as KeyView;
    expect(key).toMatchObject({ name: 'issuer', algorithm: 'p384' });
    const spki = tool('openssl', 'pkey', '-in', dir.file('p384.pem'), '-pubout').replace(
      /-----[A-Z ]+-----|\s/g,
      '',
    );
    expect(key.publicKey).toBe(spki);
    const noPass = await runKeywarden([
      'keys',
      'import',
      '--file',
      dir.file('p384.enc.pem'),
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      ...base,
    ]);
    expect(noPass.code).toBe(3);
    expect(noPass.stderr).toMatch(/^error \[PASSPHRASE_REQUIRED\]: This key is encrypted/);
  });
});
