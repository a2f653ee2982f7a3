import { KeywardenError } from '../../shared/errors.ts';
import type { KeyAlgorithm } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import {
  canonicalKeyPair,
  canonicalPublicKey,
  formatInvalid,
  formatUnsupported,
  readPrivateDer,
  readPublicDer,
  unsupportedKind,
} from './canonical-keys.ts';
import { decryptPkcs8 } from './encrypted-pkcs8.ts';
import { parseJwk } from './jwk-key.ts';
import { readPemBlock } from './key-file-text.ts';
import { opensshIsEncrypted, parseOpensshPrivateKey } from './openssh-private-key.ts';
import { parseSsh2PublicBlock, parseSshPublicLine } from './openssh-public-key.ts';

export { encryptPkcs8 } from './encrypted-pkcs8.ts';

// Key files brought into the vault: PEM (PKCS#8, encrypted PKCS#8, SubjectPublicKeyInfo,
// PKCS#1, SEC1), OpenSSH private keys and public key lines, RFC 4716 blocks and JWK. Each
// reader ends in canonical-keys.ts, so whatever the file's form, the caller gets PKCS#8 DER
// and the public key derived from it. The file is untrusted: every failure is a
// KeywardenError whose message names what is wrong, never the file's bytes.

export const IMPORT_FORMATS = [
  'pem-pkcs8',
  'pem-encrypted-pkcs8',
  'pem-spki',
  'pem-pkcs1',
  'pem-sec1',
  'openssh-private',
  'openssh-public',
  'ssh2-public',
  'jwk',
] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The largest key file read; an RSA-4096 PEM is about 3 KiB. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

export interface ParsedKey {
  algorithm: KeyAlgorithm;
  /** PKCS#8 DER of a private key, or the raw bytes of a secret key; null when the input held only a public key. The caller zeroes it. */
  secret: Buffer | null;
  /** DER SubjectPublicKeyInfo; null for a secret key. Always derived from the private key when one was given. */
  publicKey: Buffer | null;
  format: ImportFormat;
  /** The OpenSSH comment or JWK "kid", to suggest a name; never secret. */
  comment: string | null;
}

export interface ParseKeyOptions {
  /** The passphrase of an encrypted key, as UTF-8 bytes. The caller's to zero. */
  passphrase?: Buffer;
  /** What a JWK "oct" key without "alg" is. */
  secretAlgorithm?: 'aes256' | 'hmac-sha256';
}

// The text is an immutable JavaScript string and cannot be wiped: like node's KeyObjects it
// lives until garbage collection. Decoded binary forms of it are zeroed where they are made.
function textOf(input: Buffer): string {
  if (input.length > MAX_KEY_FILE_BYTES) {
    throw formatInvalid(
      `The file is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB; it is not a key file.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
  } catch {
    throw formatInvalid('The file is not text: it is not a key file Keywarden reads.');
  }
  return text.trim();
}

/**
 * Whether the input is an encrypted key that needs a passphrase: encrypted PKCS#8 PEM, or an
 * OpenSSH private key with a cipher other than none. Never throws: input it cannot read is
 * not encrypted as far as it can tell, and parseKeyFile says what is wrong with it.
 */
export function needsPassphrase(input: Buffer): boolean {
  try {
    const text = textOf(input);
    if (!text.startsWith('-----BEGIN ')) return false;
    const { label, der } = readPemBlock(text);
    // The decoded body may be an unencrypted private key; zeroed once looked at.
    try {
      if (label === 'ENCRYPTED PRIVATE KEY') return true;
      return label === 'OPENSSH PRIVATE KEY' && opensshIsEncrypted(der);
    } finally {
      zeroize(der);
    }
  } catch {
    return false;
  }
}

const PEM_LABELS =
  'PRIVATE KEY, ENCRYPTED PRIVATE KEY, PUBLIC KEY, RSA PRIVATE KEY, EC PRIVATE KEY or OPENSSH PRIVATE KEY';

function parsePem(text: string, options: ParseKeyOptions): ParsedKey {
  const { label, der } = readPemBlock(text);
  const pair = (key: Parameters<typeof canonicalKeyPair>[0], format: ImportFormat): ParsedKey => ({
    ...canonicalKeyPair(key),
    format,
    comment: null,
  });
  const single = (
    key: Parameters<typeof canonicalPublicKey>[0],
    format: ImportFormat,
  ): ParsedKey => ({
    ...canonicalPublicKey(key),
    secret: null,
    format,
    comment: null,
  });
  // The decoded body holds the private key in the clear (or encrypted); zeroed when done.
  try {
    switch (label) {
      case 'PRIVATE KEY':
        return pair(readPrivateDer(der, 'pkcs8'), 'pem-pkcs8');
      case 'ENCRYPTED PRIVATE KEY':
        return pair(decryptPkcs8(der, options.passphrase), 'pem-encrypted-pkcs8');
      case 'RSA PRIVATE KEY':
        return pair(readPrivateDer(der, 'pkcs1'), 'pem-pkcs1');
      case 'EC PRIVATE KEY':
        return pair(readPrivateDer(der, 'sec1'), 'pem-sec1');
      case 'PUBLIC KEY':
        return single(readPublicDer(der, 'spki'), 'pem-spki');
      case 'RSA PUBLIC KEY':
        return single(readPublicDer(der, 'pkcs1'), 'pem-pkcs1');
      case 'OPENSSH PRIVATE KEY': {
        const { key, comment } = parseOpensshPrivateKey(der, options.passphrase);
        return { ...key, format: 'openssh-private', comment };
      }
      case 'DSA PRIVATE KEY':
        throw unsupportedKind('a DSA');
      case 'CERTIFICATE':
        throw formatUnsupported('This is a certificate, not a key; import the key it certifies.');
      default:
        throw formatUnsupported(`The PEM block is not a key Keywarden reads (${PEM_LABELS}).`);
    }
  } finally {
    zeroize(der);
  }
}

/**
 * Parses one key from a key file: PEM PKCS#8, encrypted PKCS#8 (PBES2 with PBKDF2 or scrypt
 * and AES-CBC), SubjectPublicKeyInfo, PKCS#1 and SEC1; OpenSSH private keys (unencrypted or
 * bcrypt with AES-CTR, -CBC or -GCM); an OpenSSH public key line or authorized_keys line;
 * an RFC 4716 SSH2 public key block; a JWK. `passphrase` (UTF-8 bytes) opens encrypted
 * input; `secretAlgorithm` says what a JWK "oct" key is when it has no "alg".
 *
 * Throws FORMAT_INVALID (malformed or truncated input, trailing data, several keys, a public
 * key stored with a private key that is not its own, input over MAX_KEY_FILE_BYTES),
 * FORMAT_UNSUPPORTED (a key Keywarden does not hold, such as P-521, secp256k1, Ed448, DSA or
 * RSA-1024; a cipher, KDF or KDF parameters it does not accept), PASSPHRASE_REQUIRED (encrypted
 * input without a passphrase), BAD_REQUEST (a JWK "alg" that disagrees with `secretAlgorithm`)
 * and PASSPHRASE_INCORRECT. No other error escapes.
 */
export function parseKeyFile(input: Buffer, options: ParseKeyOptions = {}): ParsedKey {
  try {
    const text = textOf(input);
    if (text.startsWith('{')) return parseJwk(text, options.secretAlgorithm);
    if (text.startsWith('-----BEGIN ')) return parsePem(text, options);
    const ssh = text.startsWith('---- BEGIN SSH2 PUBLIC KEY')
      ? parseSsh2PublicBlock(text)
      : parseSshPublicLine(text);
    return {
      ...ssh.key,
      secret: null,
      format: text.startsWith('----') ? 'ssh2-public' : 'openssh-public',
      comment: ssh.comment,
    };
  } catch (error) {
    if (error instanceof KeywardenError) throw error;
    // A library's message may quote the input (JSON.parse does), so it is not passed on.
    throw formatInvalid('The key file is malformed.');
  }
}
