import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  encryptPkcs8,
  needsPassphrase,
  parseKeyFile,
} from '../../../electron/core/inventory/key-import-formats.ts';
import type {
  ParseKeyOptions,
  ParsedKey,
} from '../../../electron/core/inventory/key-import-formats.ts';
import {
  exportPublicKey,
  sshPublicBlob,
} from '../../../electron/core/inventory/public-key-formats.ts';
import { KeywardenError } from '../../../electron/shared/errors.ts';
import { KEY_ALGORITHMS } from '../../../electron/shared/inventory-types.ts';
import {
  PASSPHRASE,
  encryptedPkcs8Der,
  opensshPrivateKey,
  pem,
} from '../../helpers/key-file-samples.ts';

// Mutated key files of every format, including encrypted ones opened with the right
// passphrase. parseKeyFile must only ever throw a KeywardenError with one of four codes,
// and whatever it returns must hang together: a valid SPKI of the named algorithm, and a
// PKCS#8 whose public half is that SPKI and which signs what the SPKI verifies.
//
// The mutations come from a seeded PRNG (KEYWARDEN_FUZZ_SEED picks another seed). Keys are
// fresh each run, so a failure names its seed, sample and case and also carries the input
// itself, base64, to replay with parseKeyFile. Mutations hit the text (bit flips, byte
// changes, truncation at every length for short samples, insertion, duplication), the
// binary under the base64 (so they reach the DER and SSH readers), the plaintext under the
// encryption, and the members of JWKs.
//
// bcrypt_pbkdf is replaced by a fast stand-in with the same contract: this file fuzzes the
// parser, not the KDF, and the real one costs ~10 ms a round in JavaScript. The unit and
// interop tests use the real one.
vi.mock('bcrypt-pbkdf', async () => {
  const { hkdfSync } = await import('node:crypto');
  return {
    default: {
      pbkdf(
        pass: Uint8Array,
        passlen: number,
        salt: Uint8Array,
        saltlen: number,
        key: Uint8Array,
        keylen: number,
        rounds: number,
      ): number {
        if (rounds < 1 || passlen === 0 || saltlen === 0 || keylen === 0) return -1;
        const info = Buffer.alloc(4);
        info.writeUInt32BE(rounds);
        key.set(
          new Uint8Array(
            hkdfSync('sha512', pass.subarray(0, passlen), salt.subarray(0, saltlen), info, keylen),
          ),
        );
        return 0;
      },
    },
  };
});

const SEED = Number(process.env.KEYWARDEN_FUZZ_SEED ?? 0x6b657977);
const ALLOWED = new Set([
  'FORMAT_INVALID',
  'FORMAT_UNSUPPORTED',
  'PASSPHRASE_INCORRECT',
  'BAD_REQUEST',
  'PASSPHRASE_REQUIRED',
]);
const OPTIONS: ParseKeyOptions = { passphrase: PASSPHRASE, secretAlgorithm: 'aes256' };

/** sfc32: small, fast and seedable; Math.random is neither seedable nor allowed here. */
function prng(seed: number) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i += 1) next();
  const int = (max: number) => Math.floor(next() * max);
  return {
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    bytes: (length: number) => Buffer.from(Array.from({ length }, () => int(256))),
  };
}
type Prng = ReturnType<typeof prng>;

/** Byte-level mutations of any buffer: what damage and hostile editing do to a file. */
function mutateBytes(input: Buffer, rng: Prng): Buffer {
  const out = Buffer.from(input);
  const at = rng.int(Math.max(out.length, 1));
  switch (rng.int(8)) {
    case 0: {
      for (let flips = 1 + rng.int(3); flips > 0; flips -= 1) {
        const i = rng.int(out.length);
        out[i] = (out[i] ?? 0) ^ (1 << rng.int(8));
      }
      return out;
    }
    case 1:
      out[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x01, rng.int(256)]);
      return out;
    case 2:
      return out.subarray(0, rng.int(out.length));
    case 3:
      return Buffer.concat([out.subarray(0, at), rng.bytes(1 + rng.int(8)), out.subarray(at)]);
    case 4: {
      const length = 1 + rng.int(Math.min(64, out.length - at));
      return Buffer.concat([
        out.subarray(0, at + length),
        out.subarray(at, at + length),
        out.subarray(at + length),
      ]);
    }
    case 5: {
      const length = 1 + rng.int(16);
      return Buffer.concat([out.subarray(0, at), out.subarray(at + length)]);
    }
    case 6: {
      // A 4-byte field (an SSH length or count, most often) set to an edge value.
      const value = rng.pick([0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff]);
      if (at + 4 <= out.length) out.writeUInt32BE(value >>> 0, at);
      return out;
    }
    default:
      return Buffer.concat([out, rng.bytes(1 + rng.int(4))]);
  }
}

interface Sample {
  name: string;
  text: string;
  /** The binary under the base64 and how to put it back, for formats that have one. */
  binary?: { bytes: Buffer; encode(bytes: Buffer): string };
  /** Builds the file again around a mutated plaintext, for encrypted formats. */
  reseal?: (rng: Prng) => string;
  jwk?: Record<string, unknown>;
}

const keyOf = (algorithm: string): KeyObject => {
  if (algorithm === 'ed25519') return generateKeyPairSync('ed25519').privateKey;
  if (algorithm === 'x25519') return generateKeyPairSync('x25519').privateKey;
  if (algorithm === 'p256' || algorithm === 'p384') {
    return generateKeyPairSync('ec', { namedCurve: algorithm === 'p256' ? 'P-256' : 'P-384' })
      .privateKey;
  }
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
};

const pkcs8Of = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'der' });
const spkiOf = (key: KeyObject) => createPublicKey(key).export({ type: 'spki', format: 'der' });

function pemSample(name: string, label: string, der: Buffer): Sample {
  const encode = (bytes: Buffer) => pem(label, bytes);
  return { name, text: encode(der), binary: { bytes: der, encode } };
}

function opensshSample(name: string, key: KeyObject, encrypted: boolean): Sample {
  const options = encrypted
    ? { passphrase: PASSPHRASE, rounds: 16, comment: name }
    : { comment: name };
  const text = opensshPrivateKey(key, options);
  const bytes = Buffer.from(text.split('\n').slice(1, -2).join(''), 'base64');
  return {
    name,
    text,
    binary: { bytes, encode: (body) => pem('OPENSSH PRIVATE KEY', body, 70) },
    reseal: encrypted
      ? (rng) =>
          opensshPrivateKey(key, {
            ...options,
            mutateSection: (section) => mutateBytes(section, rng),
          })
      : undefined,
  };
}

function sshLineSample(
  name: string,
  algorithm: 'ed25519' | 'p384' | 'rsa2048',
  key: KeyObject,
  prefix = '',
): Sample {
  const blob = sshPublicBlob(algorithm, spkiOf(key)) ?? Buffer.alloc(0);
  const type = exportPublicKey(algorithm, spkiOf(key), 'openssh', '').split(' ')[0];
  const encode = (bytes: Buffer) => `${prefix}${type} ${bytes.toString('base64')} ${name}\n`;
  return { name, text: encode(blob), binary: { bytes: blob, encode } };
}

function buildSamples(): Sample[] {
  const ed = keyOf('ed25519');
  const x = keyOf('x25519');
  const p256 = keyOf('p256');
  const p384 = keyOf('p384');
  const rsa = keyOf('rsa2048');
  const jwkOf = (key: KeyObject, extra: Record<string, unknown> = {}) => ({
    ...key.export({ format: 'jwk' }),
    ...extra,
  });
  const jwkSample = (name: string, jwk: Record<string, unknown>): Sample => ({
    name,
    text: JSON.stringify(jwk),
    jwk,
  });
  const fast = { kind: 'pbkdf2', iterations: 1000 } as const;
  const scrypt = { kind: 'scrypt', n: 1024, r: 8, p: 1 } as const;
  const encryptedSample = (
    name: string,
    key: KeyObject,
    kdf: typeof fast | typeof scrypt,
  ): Sample => ({
    ...pemSample(name, 'ENCRYPTED PRIVATE KEY', encryptedPkcs8Der(pkcs8Of(key), PASSPHRASE, kdf)),
    reseal: (rng) =>
      pem(
        'ENCRYPTED PRIVATE KEY',
        encryptedPkcs8Der(mutateBytes(pkcs8Of(key), rng), PASSPHRASE, kdf),
      ),
  });
  const ssh2Encode = (bytes: Buffer) =>
    [
      '---- BEGIN SSH2 PUBLIC KEY ----',
      'Comment: "fuzz"',
      ...(bytes.toString('base64').match(/.{1,70}/g) ?? []),
      '---- END SSH2 PUBLIC KEY ----',
    ].join('\n');
  const edBlob = sshPublicBlob('ed25519', spkiOf(ed)) ?? Buffer.alloc(0);
  const fromEncryptPkcs8 = encryptPkcs8(pkcs8Of(p256), PASSPHRASE, { iterations: 1000 });
  return [
    pemSample('PKCS#8 Ed25519', 'PRIVATE KEY', pkcs8Of(ed)),
    pemSample('PKCS#8 X25519', 'PRIVATE KEY', pkcs8Of(x)),
    pemSample('PKCS#8 P-256', 'PRIVATE KEY', pkcs8Of(p256)),
    pemSample('PKCS#8 P-384', 'PRIVATE KEY', pkcs8Of(p384)),
    pemSample('PKCS#8 RSA-2048', 'PRIVATE KEY', pkcs8Of(rsa)),
    {
      ...pemSample(
        'encryptPkcs8 P-256',
        'ENCRYPTED PRIVATE KEY',
        Buffer.from(fromEncryptPkcs8.split('\n').slice(1, -2).join(''), 'base64'),
      ),
      text: fromEncryptPkcs8,
    },
    encryptedSample('encrypted PKCS#8 (PBKDF2) RSA-2048', rsa, fast),
    encryptedSample('encrypted PKCS#8 (scrypt) Ed25519', ed, scrypt),
    pemSample('SPKI P-384', 'PUBLIC KEY', spkiOf(p384)),
    pemSample('SPKI RSA-2048', 'PUBLIC KEY', spkiOf(rsa)),
    pemSample(
      'PKCS#1 RSA private',
      'RSA PRIVATE KEY',
      rsa.export({ type: 'pkcs1', format: 'der' }),
    ),
    pemSample(
      'PKCS#1 RSA public',
      'RSA PUBLIC KEY',
      createPublicKey(rsa).export({ type: 'pkcs1', format: 'der' }),
    ),
    pemSample('SEC1 P-256', 'EC PRIVATE KEY', p256.export({ type: 'sec1', format: 'der' })),
    opensshSample('OpenSSH Ed25519', ed, false),
    opensshSample('OpenSSH P-256', p256, false),
    opensshSample('OpenSSH RSA-2048', rsa, false),
    opensshSample('OpenSSH Ed25519 encrypted', ed, true),
    opensshSample('OpenSSH P-384 encrypted', p384, true),
    sshLineSample('ssh-ed25519 line', 'ed25519', ed),
    sshLineSample('ecdsa-sha2-nistp384 line', 'p384', p384),
    sshLineSample('ssh-rsa line', 'rsa2048', rsa, 'from="10.0.0.1",no-pty '),
    {
      name: 'SSH2 block Ed25519',
      text: ssh2Encode(edBlob),
      binary: { bytes: edBlob, encode: ssh2Encode },
    },
    jwkSample('JWK Ed25519 private', jwkOf(ed, { kid: 'ed' })),
    jwkSample('JWK X25519 private', jwkOf(x)),
    jwkSample('JWK P-256 private', jwkOf(p256)),
    jwkSample('JWK P-384 public', createPublicKey(p384).export({ format: 'jwk' })),
    jwkSample('JWK RSA-2048 private', jwkOf(rsa)),
    jwkSample('JWK oct A256GCM', {
      kty: 'oct',
      k: Buffer.alloc(32, 7).toString('base64url'),
      alg: 'A256GCM',
    }),
    jwkSample('JWK oct without alg', { kty: 'oct', k: Buffer.alloc(32, 9).toString('base64url') }),
  ];
}

const ODD_VALUES = [
  null,
  0,
  -1,
  1e308,
  true,
  [],
  {},
  '',
  'AA',
  'A',
  '====',
  'toString',
  '__proto__',
  'constructor',
  'P-521',
  'Ed448',
  'RSA',
  'oct',
  'EC',
  'OKP',
  'HS256',
  'A128GCM',
];

function mutateJwk(jwk: Record<string, unknown>, rng: Prng): string {
  const copy: Record<string, unknown> = { ...jwk };
  const names = Object.keys(copy);
  const name = rng.pick(names);
  switch (rng.int(6)) {
    case 0:
      delete copy[name];
      break;
    case 1:
      copy[name] = rng.pick(ODD_VALUES);
      break;
    case 2:
      copy[name] = copy[rng.pick(names)];
      break;
    case 3:
      copy[name] = rng
        .bytes(rng.pick([0, 1, 16, 31, 32, 33, 48, 64, 256, 257]))
        .toString('base64url');
      break;
    case 4: {
      const value = String(copy[name] ?? '');
      copy[name] = mutateBytes(Buffer.from(value), rng).toString('latin1');
      break;
    }
    default:
      copy[rng.pick(['oth', 'keys', 'alg', 'crv', 'd', 'kid', 'use'])] = rng.pick(ODD_VALUES);
  }
  return JSON.stringify(copy);
}

/** A reason the result does not hang together, or null when it does. */
function inconsistency(parsed: ParsedKey): string | null {
  if (!KEY_ALGORITHMS.includes(parsed.algorithm)) return `unknown algorithm ${parsed.algorithm}`;
  if (parsed.algorithm === 'aes256' || parsed.algorithm === 'hmac-sha256') {
    return parsed.publicKey === null && parsed.secret?.length === 32 ? null : 'bad secret key';
  }
  if (!parsed.publicKey) return 'no public key';
  const publicKey = createPublicKey({ key: parsed.publicKey, format: 'der', type: 'spki' });
  if (!publicKey.export({ type: 'spki', format: 'der' }).equals(parsed.publicKey))
    return 'SPKI not canonical';
  const shape = `${publicKey.asymmetricKeyType}/${publicKey.asymmetricKeyDetails?.namedCurve ?? publicKey.asymmetricKeyDetails?.modulusLength ?? ''}`;
  const expected = {
    ed25519: 'ed25519/',
    x25519: 'x25519/',
    p256: 'ec/prime256v1',
    p384: 'ec/secp384r1',
    rsa2048: 'rsa/2048',
    rsa3072: 'rsa/3072',
    rsa4096: 'rsa/4096',
  }[parsed.algorithm];
  if (shape !== expected) return `SPKI is ${shape}, not ${parsed.algorithm}`;
  if (parsed.secret === null) return null;
  const privateKey = createPrivateKey({ key: parsed.secret, format: 'der', type: 'pkcs8' });
  if (!spkiOf(privateKey).equals(parsed.publicKey)) return 'PKCS#8 has another public key';
  if (parsed.algorithm !== 'x25519') {
    const message = Buffer.from('pairwise consistency');
    const hash = parsed.algorithm === 'ed25519' ? null : 'sha256';
    if (!verify(hash, message, publicKey, sign(hash, message, privateKey)))
      return 'signature does not verify';
  }
  return null;
}

const outcomes = new Map<string, number>();
let total = 0;
const tally = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

function check(failures: string[], sample: string, index: number, input: Buffer): void {
  total += 1;
  const fail = (problem: string) =>
    failures.push(
      `seed ${SEED}, ${sample}, case ${index}: ${problem}; input ${input.toString('base64')}`,
    );
  let outcome = 'parsed';
  try {
    if (typeof needsPassphrase(input) !== 'boolean') fail('needsPassphrase did not answer');
    const problem = inconsistency(parseKeyFile(input, OPTIONS));
    if (problem) fail(problem);
  } catch (error) {
    if (error instanceof KeywardenError && ALLOWED.has(error.code)) {
      outcome = error.code;
      if (error.message.includes(PASSPHRASE.toString())) fail('the message holds the passphrase');
    } else {
      outcome = 'other';
      fail(`threw ${error instanceof Error ? `${error.name} ${error.message}` : String(error)}`);
    }
  }
  tally(outcome);
}

const samples = buildSamples();
const started = performance.now();

afterAll(() => {
  const counts = [...outcomes].map(([outcome, count]) => `${outcome} ${count}`).join(', ');
  console.log(
    `key-import fuzz: ${total} inputs in ${Math.round(performance.now() - started)} ms (seed ${SEED}): ${counts}`,
  );
});

describe('parseKeyFile under mutation', () => {
  it.each(samples.map((sample, i) => [sample.name, i] as const))('%s', (name, i) => {
    const sample = samples[i] as Sample;
    const rng = prng(SEED + i * 7919);
    const text = Buffer.from(sample.text);
    expect(inconsistency(parseKeyFile(text, OPTIONS))).toBeNull(); // the sample itself is valid
    const failures: string[] = [];
    let index = 0;
    // Truncation at every length for short samples, at 40 random lengths for long ones.
    const cuts =
      text.length <= 400
        ? Array.from({ length: text.length }, (_, n) => n)
        : Array.from({ length: 40 }, () => rng.int(text.length));
    for (const cut of cuts) check(failures, name, index++, text.subarray(0, cut));
    for (let n = 0; n < 60; n += 1) check(failures, name, index++, mutateBytes(text, rng));
    if (sample.binary) {
      for (let n = 0; n < 150; n += 1)
        check(
          failures,
          name,
          index++,
          Buffer.from(sample.binary.encode(mutateBytes(sample.binary.bytes, rng))),
        );
    }
    if (sample.reseal) {
      for (let n = 0; n < 60; n += 1)
        check(failures, name, index++, Buffer.from(sample.reseal(rng)));
    }
    if (sample.jwk) {
      for (let n = 0; n < 200; n += 1)
        check(failures, name, index++, Buffer.from(mutateJwk(sample.jwk, rng)));
    }
    expect(failures).toEqual([]);
  });

  it('ran at least 5,000 inputs, reaching every outcome', () => {
    expect(total).toBeGreaterThanOrEqual(5000);
    // Some mutants still parse (a changed comment, a flipped bit in an RSA exponent's
    // padding…) and each refusal is reached: the mutations get past the outer layers.
    for (const outcome of [
      'parsed',
      'FORMAT_INVALID',
      'FORMAT_UNSUPPORTED',
      'PASSPHRASE_INCORRECT',
    ]) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
  });
});
