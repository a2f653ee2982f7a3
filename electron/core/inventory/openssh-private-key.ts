import { createDecipheriv, createECDH, createPrivateKey } from 'node:crypto';
import type { DecipherGCM, KeyObject } from 'node:crypto';
import bcryptPbkdf from 'bcrypt-pbkdf';
import { KeywardenError } from '../../shared/errors.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';
import {
  canonicalKeyPair,
  formatInvalid,
  formatUnsupported,
  mismatch,
  passphraseIncorrect,
  passphraseRequired,
} from './canonical-keys.ts';
import type { CanonicalKeyPair } from './canonical-keys.ts';
import { commentOf } from './key-file-text.ts';
import {
  SSH_ECDSA_CURVES,
  pointCoordinates,
  requireSupportedSshType,
  sshReader,
} from './openssh-public-key.ts';
import type { SshReader } from './openssh-public-key.ts';
import { sshPublicBlob } from './public-key-formats.ts';

// OpenSSH private keys ("BEGIN OPENSSH PRIVATE KEY", the openssh-key-v1 format of
// OpenSSH's PROTOCOL.key), unencrypted or encrypted with bcrypt_pbkdf and AES as ssh-keygen
// writes them. One key per file, as every OpenSSH release writes and reads.

/**
 * The most bcrypt_pbkdf rounds a file may ask for: ssh-keygen's default is 16 and the
 * often-advised "-a 100" is well inside. The pure-JS bcrypt takes about 20 ms a round and
 * runs on the calling thread, so the cap also bounds how long one import can block it.
 */
export const MAX_BCRYPT_ROUNDS = 256;
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

interface SshCipher {
  /** node:crypto's name; empty for "none". */
  name: string;
  blockBytes: number;
  keyBytes: number;
  ivBytes: number;
  tagBytes: number;
}

const aes = (bits: 128 | 192 | 256, mode: 'ctr' | 'cbc' | 'gcm'): SshCipher => ({
  name: `aes-${bits}-${mode}`,
  blockBytes: 16,
  keyBytes: bits / 8,
  ivBytes: mode === 'gcm' ? 12 : 16,
  tagBytes: mode === 'gcm' ? 16 : 0,
});

const CIPHERS: ReadonlyMap<string, SshCipher> = new Map(
  Object.entries({
    none: { name: '', blockBytes: 8, keyBytes: 0, ivBytes: 0, tagBytes: 0 },
    'aes128-ctr': aes(128, 'ctr'),
    'aes192-ctr': aes(192, 'ctr'),
    'aes256-ctr': aes(256, 'ctr'),
    'aes128-cbc': aes(128, 'cbc'),
    'aes192-cbc': aes(192, 'cbc'),
    'aes256-cbc': aes(256, 'cbc'),
    'aes128-gcm@openssh.com': aes(128, 'gcm'),
    'aes256-gcm@openssh.com': aes(256, 'gcm'),
  }),
);

interface Envelope {
  cipher: SshCipher;
  salt: Buffer;
  rounds: number;
  publicBlob: Buffer;
  /** The private section as stored: plaintext for cipher "none". */
  sealed: Buffer;
  tag: Buffer;
}

/** Reads the unencrypted outer layer of the file. Throws FORMAT_INVALID and FORMAT_UNSUPPORTED. */
function readEnvelope(body: Buffer): Envelope {
  const what = 'The OpenSSH private key';
  if (!body.subarray(0, MAGIC.length).equals(MAGIC))
    throw formatInvalid(`${what} has no openssh-key-v1 header.`);
  const reader = sshReader(body.subarray(MAGIC.length), what);
  const cipherName = reader.text();
  const kdfName = reader.text();
  const kdfOptions = reader.string();
  const cipher = CIPHERS.get(cipherName);
  if (!cipher)
    throw formatUnsupported(
      `${what} is encrypted with a cipher Keywarden does not support; re-encrypt it with \`ssh-keygen -p -Z aes256-ctr\`.`,
    );
  let salt: Buffer = Buffer.alloc(0);
  let rounds = 0;
  if (cipher.name === '') {
    if (kdfName !== 'none' || kdfOptions.length !== 0)
      throw formatInvalid(`${what} names a KDF but no cipher.`);
  } else {
    if (kdfName !== 'bcrypt')
      throw formatUnsupported(`${what} uses a KDF Keywarden does not support.`);
    const options = sshReader(kdfOptions, `${what}'s KDF options`);
    salt = options.string();
    rounds = options.uint32();
    options.end();
    if (salt.length === 0 || salt.length > 1024)
      throw formatInvalid(`${what}'s salt has a bad length.`);
    if (rounds < 1 || rounds > MAX_BCRYPT_ROUNDS) {
      throw formatUnsupported(
        `${what} asks for ${rounds < 1 ? 'no' : 'more than ' + MAX_BCRYPT_ROUNDS} bcrypt rounds; re-encrypt it with \`ssh-keygen -p -a 100\`.`,
      );
    }
  }
  const count = reader.uint32();
  if (count !== 1) {
    throw count === 0
      ? formatInvalid(`${what} holds no key.`)
      : formatUnsupported(`${what} holds ${count} keys; Keywarden imports one key per file.`);
  }
  const publicBlob = reader.string();
  const sealed = reader.string();
  if (reader.remaining() !== cipher.tagBytes)
    throw formatInvalid(`${what} is truncated or has trailing data.`);
  const tag = body.subarray(body.length - cipher.tagBytes);
  if (sealed.length === 0 || sealed.length % cipher.blockBytes !== 0) {
    throw formatInvalid(`${what}'s private section has a bad length.`);
  }
  return { cipher, salt, rounds, publicBlob, sealed, tag };
}

/** Whether the decoded body of an OPENSSH PRIVATE KEY block is encrypted. Throws FORMAT_INVALID and FORMAT_UNSUPPORTED. */
export function opensshIsEncrypted(body: Buffer): boolean {
  return readEnvelope(body).cipher.name !== '';
}

/** Decrypts the private section into a new buffer; the caller zeroes it. */
function decryptSection(envelope: Envelope, passphrase: Buffer | undefined): Buffer {
  const { cipher, salt, rounds, sealed, tag } = envelope;
  if (!passphrase || passphrase.length === 0) {
    throw passphraseRequired();
  }
  // bcrypt_pbkdf gives key || IV; zeroed in the finally block (its internal SHA-512 state
  // is the library's and cannot be reached).
  const derived = Buffer.alloc(cipher.keyBytes + cipher.ivBytes);
  const parts: Buffer[] = [];
  try {
    const status = bcryptPbkdf.pbkdf(
      passphrase,
      passphrase.length,
      salt,
      salt.length,
      derived,
      derived.length,
      rounds,
    );
    if (status !== 0) throw formatInvalid('The OpenSSH private key has bad KDF parameters.');
    const key = derived.subarray(0, cipher.keyBytes);
    const iv = derived.subarray(cipher.keyBytes);
    const decipher = createDecipheriv(cipher.name, key, iv);
    if (cipher.tagBytes) (decipher as DecipherGCM).setAuthTag(tag);
    else decipher.setAutoPadding(false);
    parts.push(decipher.update(sealed));
    try {
      parts.push(decipher.final());
    } catch {
      throw passphraseIncorrect(); // the GCM tag did not verify
    }
    return Buffer.concat(parts);
  } finally {
    zeroize(derived, ...parts);
  }
}

const toBase64url = (value: bigint) => {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};

/**
 * The key in the private section. Fields are views into the section (zeroed by the caller);
 * the buffers made here are zeroed here. JWK strings and BigInts cannot be wiped.
 */
function privateKeyObject(type: string, reader: SshReader, what: string): KeyObject {
  if (type === 'ssh-ed25519') {
    const stored = reader.string();
    const both = reader.string(); // seed || public key
    if (stored.length !== 32 || both.length !== 64)
      throw formatInvalid(`${what} has the wrong length.`);
    if (!equalBytes(both.subarray(32), stored)) throw mismatch();
    const pkcs8 = Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      both.subarray(0, 32),
    ]);
    try {
      return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    } finally {
      zeroize(pkcs8);
    }
  }
  if (type === 'ssh-rsa') {
    const [n, e, d, iqmp, p, q] = Array.from({ length: 6 }, () =>
      BigInt(`0x0${reader.mpint().toString('hex')}`),
    ) as [bigint, bigint, bigint, bigint, bigint, bigint];
    if (p < 3n || q < 3n) throw formatInvalid(`${what} is malformed.`);
    const jwk = { kty: 'RSA', n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qi: iqmp };
    return createPrivateKey({
      key: Object.fromEntries(
        Object.entries(jwk).map(([k, v]) => [k, typeof v === 'bigint' ? toBase64url(v) : v]),
      ),
      format: 'jwk',
    });
  }
  const ecdsa = SSH_ECDSA_CURVES[type as keyof typeof SSH_ECDSA_CURVES];
  if (reader.text() !== ecdsa.curve) throw formatInvalid(`${what} names the wrong curve.`);
  const stored = reader.string();
  const scalar = reader.mpint();
  if (scalar.length > ecdsa.size) throw formatInvalid(`${what} has the wrong length.`);
  const padded = Buffer.alloc(ecdsa.size);
  try {
    scalar.copy(padded, ecdsa.size - scalar.length);
    // The point comes from the scalar; the stored one must match it.
    const ecdh = createECDH(ecdsa.algorithm === 'p256' ? 'prime256v1' : 'secp384r1');
    ecdh.setPrivateKey(padded);
    const point = ecdh.getPublicKey();
    if (!equalBytes(point, stored)) throw mismatch();
    const coordinates = pointCoordinates(point, ecdsa.size, what);
    return createPrivateKey({
      key: { kty: 'EC', crv: ecdsa.crv, d: padded.toString('base64url'), ...coordinates },
      format: 'jwk',
    });
  } finally {
    zeroize(padded);
  }
}

export interface OpensshPrivateKey {
  key: CanonicalKeyPair;
  comment: string | null;
}

/**
 * Reads the decoded body of an OPENSSH PRIVATE KEY block, decrypting it with `passphrase`
 * when it is encrypted, and checks the stored public key is the private key's own. Throws
 * PASSPHRASE_REQUIRED (encrypted and no passphrase), PASSPHRASE_INCORRECT (the check integers
 * differ after decryption), FORMAT_UNSUPPORTED (a key type, cipher or KDF Keywarden does
 * not support, more than MAX_BCRYPT_ROUNDS rounds) and FORMAT_INVALID.
 */
export function parseOpensshPrivateKey(
  body: Buffer,
  passphrase: Buffer | undefined,
): OpensshPrivateKey {
  const what = 'The OpenSSH private key';
  const envelope = readEnvelope(body);
  const publicType = sshReader(envelope.publicBlob, what).text();
  requireSupportedSshType(publicType);
  const encrypted = envelope.cipher.name !== '';
  // A decrypted section is ours and zeroed in the finally block; a plaintext one is a view
  // into `body`, which the caller zeroes.
  const section = encrypted ? decryptSection(envelope, passphrase) : envelope.sealed;
  try {
    const reader = sshReader(section, what);
    if (reader.uint32() !== reader.uint32()) {
      // Unauthenticated modes (CTR, CBC) turn a wrong passphrase into noise; the check
      // integers are how OpenSSH tells.
      throw encrypted ? passphraseIncorrect() : formatInvalid(`${what} is damaged.`);
    }
    if (reader.text() !== publicType) throw mismatch();
    let keyObject: KeyObject;
    try {
      keyObject = privateKeyObject(publicType, reader, what);
    } catch (error) {
      if (error instanceof KeywardenError) throw error;
      throw formatInvalid(`${what} is malformed.`);
    }
    const comment = commentOf(reader.string().toString('utf8'));
    const padding = section.subarray(section.length - reader.remaining());
    if (padding.length >= envelope.cipher.blockBytes || padding.some((byte, i) => byte !== i + 1)) {
      throw formatInvalid(`${what}'s padding is malformed.`);
    }
    const key = canonicalKeyPair(keyObject);
    if (
      !equalBytes(
        sshPublicBlob(key.algorithm, key.publicKey) ?? Buffer.alloc(0),
        envelope.publicBlob,
      )
    ) {
      zeroize(key.secret);
      throw mismatch();
    }
    return { key, comment };
  } finally {
    if (encrypted) zeroize(section);
  }
}
