import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encryptPkcs8,
  needsPassphrase,
  parseKeyFile,
} from '../../electron/core/inventory/key-import-formats.ts';
import type { ParsedKey } from '../../electron/core/inventory/key-import-formats.ts';
import { KeywardenError } from '../../electron/shared/errors.ts';
import type { ErrorCode } from '../../electron/shared/errors.ts';
import type { KeyAlgorithm } from '../../electron/shared/inventory-types.ts';

// Key files written by the tools people make keys with: openssl genpkey / pkcs8 / pkey and
// ssh-keygen. Each is read by parseKeyFile, and the public key it derives is compared with
// the one openssl derives from the same file, never with one Keywarden computed. Keywarden's
// encrypted PKCS#8 is read back by `openssl pkcs8`. Passphrases reach openssl through a file
// (`file:`); ssh-keygen only takes them as arguments, which a test tolerates.

const PASSPHRASE = 'interop passphrase';
let dir: string;
let passFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keywarden-import-interop-'));
  passFile = join(dir, 'passphrase');
  writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const path = (name: string) => join(dir, name);
const run = (command: string, args: string[]): Buffer =>
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const openssl = (...args: string[]) => run('openssl', args);
const read = (name: string) => readFileSync(path(name));
const withPassphrase = { passphrase: Buffer.from(PASSPHRASE) };

/** The DER SubjectPublicKeyInfo openssl derives from a key file. */
const opensslSpki = (file: string, publicInput = false) =>
  openssl('pkey', ...(publicInput ? ['-pubin'] : []), '-in', file, '-pubout', '-outform', 'DER');

function expectKey(parsed: ParsedKey, algorithm: KeyAlgorithm, format: string, spki: Buffer) {
  expect(parsed).toMatchObject({ algorithm, format });
  expect(parsed.publicKey?.toString('base64')).toBe(spki.toString('base64'));
}

/** openssl reads the PKCS#8 Keywarden returned and derives the same public key from it. */
function expectOpensslReadsSecret(parsed: ParsedKey, name: string, spki: Buffer) {
  writeFileSync(path(name), parsed.secret ?? Buffer.alloc(0), { mode: 0o600 });
  expect(
    openssl('pkey', '-inform', 'DER', '-in', path(name), '-pubout', '-outform', 'DER'),
  ).toEqual(spki);
}

function expectCode(run: () => unknown, code: ErrorCode) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(KeywardenError);
  expect((thrown as KeywardenError).code).toBe(code);
}

describe('keys made by openssl', () => {
  const GENPKEY = [
    ['ed25519', ['-algorithm', 'ed25519']],
    ['x25519', ['-algorithm', 'x25519']],
    ['p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['p384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']],
    ['rsa2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
    ['rsa3072', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072']],
  ] as const;

  beforeAll(() => {
    for (const [algorithm, options] of GENPKEY) {
      openssl('genpkey', ...options, '-out', path(`${algorithm}.pem`));
    }
  });

  it.each(GENPKEY)('%s: genpkey, pkcs8 -topk8 -v2 aes-256-cbc, pkey -pubout', (algorithm) => {
    const key = path(`${algorithm}.pem`);
    const spki = opensslSpki(key);

    const plain = parseKeyFile(read(`${algorithm}.pem`));
    expectKey(plain, algorithm, 'pem-pkcs8', spki);
    expectOpensslReadsSecret(plain, `${algorithm}.ours.der`, spki);

    const encrypted = path(`${algorithm}.enc.pem`);
    openssl(
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      key,
      '-passout',
      `file:${passFile}`,
      '-out',
      encrypted,
    );
    expect(needsPassphrase(read(`${algorithm}.enc.pem`))).toBe(true);
    expectKey(
      parseKeyFile(read(`${algorithm}.enc.pem`), withPassphrase),
      algorithm,
      'pem-encrypted-pkcs8',
      spki,
    );
    expectCode(
      () => parseKeyFile(read(`${algorithm}.enc.pem`), { passphrase: Buffer.from('wrong') }),
      'PASSPHRASE_INCORRECT',
    );
    expectCode(() => parseKeyFile(read(`${algorithm}.enc.pem`)), 'PASSPHRASE_REQUIRED');

    openssl('pkey', '-in', key, '-pubout', '-out', path(`${algorithm}.pub.pem`));
    const pub = parseKeyFile(read(`${algorithm}.pub.pem`));
    expectKey(pub, algorithm, 'pem-spki', spki);
    expect(pub.secret).toBeNull();
  });

  it.each(GENPKEY)('%s: openssl pkcs8 reads what encryptPkcs8 writes', (algorithm) => {
    const spki = opensslSpki(path(`${algorithm}.pem`));
    const parsed = parseKeyFile(read(`${algorithm}.pem`));
    writeFileSync(
      path(`${algorithm}.kw.pem`),
      encryptPkcs8(parsed.secret ?? Buffer.alloc(0), Buffer.from(PASSPHRASE)),
    );
    const decrypted = openssl(
      'pkcs8',
      '-in',
      path(`${algorithm}.kw.pem`),
      '-passin',
      `file:${passFile}`,
      '-outform',
      'DER',
    );
    writeFileSync(path(`${algorithm}.kw.der`), decrypted, { mode: 0o600 });
    expect(
      openssl(
        'pkey',
        '-inform',
        'DER',
        '-in',
        path(`${algorithm}.kw.der`),
        '-pubout',
        '-outform',
        'DER',
      ),
    ).toEqual(spki);
    // openssl reports the parameters it found: PBES2, PBKDF2 with HMAC-SHA-256, AES-256-CBC.
    const structure = openssl('asn1parse', '-in', path(`${algorithm}.kw.pem`)).toString();
    expect(structure).toMatch(
      /PBES2[\s\S]*PBKDF2[\s\S]*:0927C0[\s\S]*hmacWithSHA256[\s\S]*aes-256-cbc/,
    );
  });

  it('scrypt and default `openssl pkcs8 -topk8` encryption', () => {
    const key = path('p256.pem');
    const spki = opensslSpki(key);
    openssl(
      'pkcs8',
      '-topk8',
      '-scrypt',
      '-in',
      key,
      '-passout',
      `file:${passFile}`,
      '-out',
      path('scrypt.pem'),
    );
    expectKey(
      parseKeyFile(read('scrypt.pem'), withPassphrase),
      'p256',
      'pem-encrypted-pkcs8',
      spki,
    );
    openssl(
      'pkcs8',
      '-topk8',
      '-in',
      key,
      '-passout',
      `file:${passFile}`,
      '-out',
      path('default.pem'),
    );
    expectKey(
      parseKeyFile(read('default.pem'), withPassphrase),
      'p256',
      'pem-encrypted-pkcs8',
      spki,
    );
  });

  it('traditional RSA and EC forms (PKCS#1, SEC1) and the PKCS#1 public key', () => {
    for (const [algorithm, format] of [
      ['rsa3072', 'pem-pkcs1'],
      ['p384', 'pem-sec1'],
    ] as const) {
      const key = path(`${algorithm}.pem`);
      const spki = opensslSpki(key);
      openssl('pkey', '-in', key, '-traditional', '-out', path(`${algorithm}.trad.pem`));
      expect(read(`${algorithm}.trad.pem`).toString()).toMatch(/BEGIN (RSA|EC) PRIVATE KEY/);
      expectKey(parseKeyFile(read(`${algorithm}.trad.pem`)), algorithm, format, spki);
    }
    openssl('rsa', '-in', path('rsa2048.pem'), '-RSAPublicKey_out', '-out', path('rsa.pkcs1.pub'));
    expectKey(
      parseKeyFile(read('rsa.pkcs1.pub')),
      'rsa2048',
      'pem-pkcs1',
      opensslSpki(path('rsa2048.pem')),
    );
  });

  it('refuses legacy encryption, with FORMAT_UNSUPPORTED', () => {
    const key = path('rsa2048.pem');
    openssl(
      'pkcs8',
      '-topk8',
      '-v1',
      'PBE-SHA1-3DES',
      '-in',
      key,
      '-passout',
      `file:${passFile}`,
      '-out',
      path('pbes1.pem'),
    );
    expectCode(() => parseKeyFile(read('pbes1.pem'), withPassphrase), 'FORMAT_UNSUPPORTED');
    openssl(
      'rsa',
      '-in',
      key,
      '-traditional',
      '-aes256',
      '-passout',
      `file:${passFile}`,
      '-out',
      path('procType.pem'),
    );
    expectCode(() => parseKeyFile(read('procType.pem'), withPassphrase), 'FORMAT_UNSUPPORTED');
  });

  it.each([
    ['P-521', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']],
    ['secp256k1', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']],
    ['Ed448', ['-algorithm', 'ed448']],
    ['RSA-1024', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']],
  ])('refuses %s with FORMAT_UNSUPPORTED naming it', (name, options) => {
    const key = path(`${name}.pem`);
    openssl('genpkey', ...options, '-out', key);
    openssl('pkey', '-in', key, '-pubout', '-out', path(`${name}.pub.pem`));
    for (const file of [`${name}.pem`, `${name}.pub.pem`]) {
      let message = '';
      try {
        parseKeyFile(read(file));
      } catch (error) {
        expect(error).toMatchObject({ code: 'FORMAT_UNSUPPORTED' });
        message = (error as Error).message;
      }
      expect(message).toContain(name);
    }
  });
});

describe('keys made by ssh-keygen', () => {
  const KEYGEN = [
    ['ed25519', ['-t', 'ed25519']],
    ['p256', ['-t', 'ecdsa', '-b', '256']],
    ['p384', ['-t', 'ecdsa', '-b', '384']],
    ['rsa3072', ['-t', 'rsa', '-b', '3072']],
  ] as const;

  const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

  /** The SPKI for an ssh-keygen public key, derived by ssh-keygen and openssl. */
  function expectedSpki(name: string, algorithm: KeyAlgorithm): Buffer {
    if (algorithm === 'ed25519') {
      // ssh-keygen writes no PKCS#8 for Ed25519: the raw key is the last 32 bytes of its blob.
      const blob = Buffer.from(read(`${name}.pub`).toString().split(' ')[1] ?? '', 'base64');
      return Buffer.concat([ED25519_SPKI_PREFIX, blob.subarray(-32)]);
    }
    writeFileSync(
      path(`${name}.spki.pem`),
      run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', path(`${name}.pub`)]),
    );
    return opensslSpki(path(`${name}.spki.pem`), true);
  }

  it.each(KEYGEN)('%s: private key, public line, RFC 4716 and -y', (algorithm, options) => {
    const name = `ssh-${algorithm}`;
    run('ssh-keygen', ['-q', ...options, '-N', '', '-C', 'ci@keywarden', '-f', path(name)]);
    const spki = expectedSpki(name, algorithm);

    const privateKey = parseKeyFile(read(name));
    expectKey(privateKey, algorithm, 'openssh-private', spki);
    expect(privateKey.comment).toBe('ci@keywarden');
    expect(needsPassphrase(read(name))).toBe(false);
    expectOpensslReadsSecret(privateKey, `${name}.ours.der`, spki);

    const line = parseKeyFile(read(`${name}.pub`));
    expectKey(line, algorithm, 'openssh-public', spki);
    expect(line.comment).toBe('ci@keywarden');

    writeFileSync(path(`${name}.rfc4716`), run('ssh-keygen', ['-e', '-f', path(`${name}.pub`)]));
    expectKey(parseKeyFile(read(`${name}.rfc4716`)), algorithm, 'ssh2-public', spki);

    writeFileSync(path(`${name}.y.pub`), run('ssh-keygen', ['-y', '-f', path(name)]));
    expectKey(parseKeyFile(read(`${name}.y.pub`)), algorithm, 'openssh-public', spki);
  });

  it.each(KEYGEN)('%s: encrypted with a passphrase (aes256-ctr, bcrypt)', (algorithm, options) => {
    const name = `ssh-enc-${algorithm}`;
    run('ssh-keygen', ['-q', ...options, '-N', PASSPHRASE, '-f', path(name)]);
    const spki = expectedSpki(name, algorithm);
    expect(needsPassphrase(read(name))).toBe(true);
    expectKey(parseKeyFile(read(name), withPassphrase), algorithm, 'openssh-private', spki);
    expectCode(
      () => parseKeyFile(read(name), { passphrase: Buffer.from('wrong') }),
      'PASSPHRASE_INCORRECT',
    );
    expectCode(() => parseKeyFile(read(name)), 'PASSPHRASE_REQUIRED');
  });

  it.each(['aes128-ctr', 'aes256-cbc', 'aes256-gcm@openssh.com'])('other ciphers: %s', (cipher) => {
    const name = `ssh-${cipher.replace(/@.*/, '')}`;
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-Z', cipher, '-f', path(name)]);
    expectKey(
      parseKeyFile(read(name), withPassphrase),
      'ed25519',
      'openssh-private',
      expectedSpki(name, 'ed25519'),
    );
    expectCode(
      () => parseKeyFile(read(name), { passphrase: Buffer.from('wrong') }),
      'PASSPHRASE_INCORRECT',
    );
  });

  it('PEM and PKCS#8 private keys written with -m', () => {
    for (const [format, label, expected] of [
      ['PEM', 'EC PRIVATE KEY', 'pem-sec1'],
      ['PKCS8', 'PRIVATE KEY', 'pem-pkcs8'],
    ] as const) {
      const name = `ssh-m-${format}`;
      run('ssh-keygen', [
        '-q',
        '-t',
        'ecdsa',
        '-b',
        '256',
        '-m',
        format,
        '-N',
        '',
        '-f',
        path(name),
      ]);
      expect(read(name).toString()).toContain(`BEGIN ${label}`);
      expectKey(parseKeyFile(read(name)), 'p256', expected, expectedSpki(name, 'p256'));
    }
  });

  it.each([
    ['P-521', ['-t', 'ecdsa', '-b', '521']],
    ['DSA', ['-t', 'dsa']],
  ])('refuses %s keys, private and public, with FORMAT_UNSUPPORTED', (kind, options) => {
    const name = `ssh-${kind}`;
    run('ssh-keygen', ['-q', ...options, '-N', '', '-f', path(name)]);
    for (const file of [name, `${name}.pub`]) {
      let message = '';
      try {
        parseKeyFile(read(file));
      } catch (error) {
        expect(error).toMatchObject({ code: 'FORMAT_UNSUPPORTED' });
        message = (error as Error).message;
      }
      expect(message).toContain(kind);
    }
  });
});
