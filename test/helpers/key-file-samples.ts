import { createCipheriv, createPublicKey, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import bcryptPbkdf from 'bcrypt-pbkdf';
import { sshPublicBlob } from '../../electron/core/inventory/public-key-formats.ts';
import type { KeyAlgorithm } from '../../electron/shared/inventory-types.ts';

// Key files built by hand, independently of the code under test: a small DER encoder for
// encrypted PKCS#8 with any KDF parameters (including ones Keywarden must refuse), and an
// openssh-key-v1 writer following OpenSSH's PROTOCOL.key. Used by the unit and fuzz tests;
// the integration test checks the same formats against openssl and ssh-keygen.

export const PASSPHRASE = Buffer.from('correct horse battery staple', 'utf8');

/** PEM armour with `width`-character lines. */
export function pem(label: string, der: Buffer, width = 64): string {
  const lines = der.toString('base64').match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, ...contents: Buffer[]) => {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
export const derSequence = (...items: Buffer[]) => tlv(0x30, ...items);
export const derOctets = (bytes: Buffer) => tlv(0x04, bytes);
export const derNull = () => Buffer.from([0x05, 0x00]);

export function derInteger(value: number | bigint): Buffer {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return tlv(0x02, Buffer.from(hex, 'hex'));
}

export function derOid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export type Pkcs8Kdf =
  | { kind: 'pbkdf2'; iterations: number | bigint; hash?: 'sha1' | 'sha256' | 'sha512' }
  | { kind: 'scrypt'; n: number | bigint; r: number; p: number };

const PRF_OIDS = {
  sha1: '1.2.840.113549.2.7',
  sha256: '1.2.840.113549.2.9',
  sha512: '1.2.840.113549.2.11',
};

/**
 * Encrypted PKCS#8 DER (PBES2, AES-256-CBC) with any KDF parameters. The encryption is real
 * when `derive` is true; parameters too costly to run are written with a random key.
 */
export function encryptedPkcs8Der(
  pkcs8: Buffer,
  passphrase: Buffer,
  kdf: Pkcs8Kdf,
  derive = true,
): Buffer {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  let key: Buffer;
  let kdfId: Buffer;
  if (kdf.kind === 'pbkdf2') {
    const hash = kdf.hash ?? 'sha256';
    key = derive ? pbkdf2Sync(passphrase, salt, Number(kdf.iterations), 32, hash) : randomBytes(32);
    const prf = hash === 'sha1' ? [] : [derSequence(derOid(PRF_OIDS[hash]), derNull())];
    kdfId = derSequence(
      derOid('1.2.840.113549.1.5.12'),
      derSequence(derOctets(salt), derInteger(kdf.iterations), ...prf),
    );
  } else {
    key = derive
      ? scryptSync(passphrase, salt, 32, {
          N: Number(kdf.n),
          r: kdf.r,
          p: kdf.p,
          maxmem: 512 * 1024 * 1024,
        })
      : randomBytes(32);
    kdfId = derSequence(
      derOid('1.3.6.1.4.1.11591.4.11'),
      derSequence(
        derOctets(salt),
        derInteger(kdf.n),
        derInteger(kdf.r),
        derInteger(kdf.p),
        derInteger(32),
      ),
    );
  }
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  const scheme = derSequence(derOid('2.16.840.1.101.3.4.1.42'), derOctets(iv));
  return derSequence(
    derSequence(derOid('1.2.840.113549.1.5.13'), derSequence(kdfId, scheme)),
    derOctets(ciphertext),
  );
}

const sshString = (bytes: Buffer | string) => {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
};
const sshUint32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
};
const sshMpint = (bytes: Buffer) => {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  const trimmed = bytes.subarray(start);
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), trimmed]) : trimmed);
};
const b64u = (value: unknown) => Buffer.from(String(value), 'base64url');

/** The Keywarden algorithm of a node KeyObject (the ones these samples use). */
export function algorithmOfKey(key: KeyObject): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519' || type === 'x25519') return type;
  if (type === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'p256' : 'p384';
  return `rsa${key.asymmetricKeyDetails?.modulusLength}` as KeyAlgorithm;
}

export interface OpensshOptions {
  comment?: string;
  passphrase?: Buffer;
  rounds?: number;
  cipher?: 'aes256-ctr' | 'aes128-ctr' | 'aes256-cbc';
  /** Check integers that differ, to test the check. */
  badCheck?: boolean;
  /** A different public key in the outer section, to test the match. */
  publicBlob?: Buffer;
  /** Changes the private section (padded, before encryption), so fuzzing reaches it. */
  mutateSection?: (section: Buffer) => Buffer;
}

/** An openssh-key-v1 file ("BEGIN OPENSSH PRIVATE KEY") for an Ed25519, ECDSA or RSA key. */
export function opensshPrivateKey(privateKey: KeyObject, options: OpensshOptions = {}): string {
  const algorithm = algorithmOfKey(privateKey);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const blob =
    options.publicBlob ?? sshPublicBlob(algorithm.startsWith('rsa') ? 'rsa2048' : algorithm, spki);
  if (!blob) throw new Error(`no SSH form for ${algorithm}`);
  const jwk = privateKey.export({ format: 'jwk' });
  let fields: Buffer[];
  if (algorithm === 'ed25519') {
    const pub = b64u(jwk.x);
    fields = [
      sshString('ssh-ed25519'),
      sshString(pub),
      sshString(Buffer.concat([b64u(jwk.d), pub])),
    ];
  } else if (algorithm === 'p256' || algorithm === 'p384') {
    const point = Buffer.concat([Buffer.from([4]), b64u(jwk.x), b64u(jwk.y)]);
    const curve = algorithm === 'p256' ? 'nistp256' : 'nistp384';
    fields = [
      sshString(`ecdsa-sha2-${curve}`),
      sshString(curve),
      sshString(point),
      sshMpint(b64u(jwk.d)),
    ];
  } else {
    fields = [
      sshString('ssh-rsa'),
      ...['n', 'e', 'd', 'qi', 'p', 'q'].map((name) => sshMpint(b64u(jwk[name]))),
    ];
  }
  const check = randomBytes(4).readUInt32BE();
  const cipherName = options.passphrase ? (options.cipher ?? 'aes256-ctr') : 'none';
  const blockBytes = cipherName === 'none' ? 8 : 16;
  let section: Buffer = Buffer.concat([
    sshUint32(check),
    sshUint32(options.badCheck ? (check ^ 1) >>> 0 : check),
    ...fields,
    sshString(options.comment ?? ''),
  ]);
  const padding = Array.from(
    { length: (blockBytes - (section.length % blockBytes)) % blockBytes },
    (_, i) => i + 1,
  );
  section = Buffer.concat([section, Buffer.from(padding)]);
  if (options.mutateSection) section = options.mutateSection(section);
  let kdfName = 'none';
  let kdfOptions = Buffer.alloc(0);
  if (options.passphrase) {
    const salt = randomBytes(16);
    const rounds = options.rounds ?? 2;
    kdfName = 'bcrypt';
    kdfOptions = Buffer.concat([sshString(salt), sshUint32(rounds)]);
    const keyBytes = cipherName === 'aes128-ctr' ? 16 : 32;
    const derived = Buffer.alloc(keyBytes + 16);
    // Above 64 rounds the file is only for testing refusal: a random key saves the work.
    if (rounds > 64) randomBytes(derived.length).copy(derived);
    else
      bcryptPbkdf.pbkdf(
        options.passphrase,
        options.passphrase.length,
        salt,
        salt.length,
        derived,
        derived.length,
        rounds,
      );
    const mode = cipherName.endsWith('cbc') ? 'cbc' : 'ctr';
    const cipher = createCipheriv(
      `aes-${keyBytes * 8}-${mode}`,
      derived.subarray(0, keyBytes),
      derived.subarray(keyBytes),
    );
    cipher.setAutoPadding(false);
    section = Buffer.concat([cipher.update(section), cipher.final()]);
  }
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString(cipherName),
    sshString(kdfName),
    sshString(kdfOptions),
    sshUint32(1),
    sshString(blob),
    sshString(section),
  ]);
  return pem('OPENSSH PRIVATE KEY', body, 70);
}
