import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AsnParser } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyAlgorithm } from '../../shared/inventory-types.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';

// Imported keys in one canonical form: PKCS#8 DER for the private half and DER
// SubjectPublicKeyInfo derived from it, after checking that the halves belong together and
// that the algorithm is one Keywarden holds. Every reader of a key file ends here, so what
// the inventory receives does not depend on the form the key arrived in.
//
// KeyObjects, JWK strings and BigInts hold key material in memory that JavaScript cannot
// wipe; they live until garbage collection. Buffers this module fills are zeroed here; the
// PKCS#8 it returns is the caller's to zero.

export type AsymmetricAlgorithm = Exclude<KeyAlgorithm, 'aes256' | 'hmac-sha256'>;

export interface CanonicalPublicKey {
  algorithm: AsymmetricAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  publicKey: Buffer;
}

export interface CanonicalKeyPair extends CanonicalPublicKey {
  /** PKCS#8 DER. The caller zeroes it. */
  secret: Buffer;
}

/** A FORMAT_INVALID error: the input is not a well-formed key. */
export const formatInvalid = (message: string) =>
  new KeywardenError(ErrorCode.FORMAT_INVALID, message);

/** A FORMAT_UNSUPPORTED error: a well-formed key, of a kind Keywarden does not hold. */
export const formatUnsupported = (message: string) =>
  new KeywardenError(ErrorCode.FORMAT_UNSUPPORTED, message);

const HELD = 'Keywarden holds Ed25519, X25519, P-256, P-384 and RSA 2048, 3072 or 4096-bit keys.';

/** The error for encrypted input given no passphrase. */
export const passphraseRequired = () =>
  new KeywardenError(
    ErrorCode.PASSPHRASE_REQUIRED,
    'This key is encrypted; give its passphrase (keys import --key-passphrase-file F).',
  );

/** The error for a failed decryption: without a MAC, a wrong passphrase and damage look alike. */
export const passphraseIncorrect = () =>
  new KeywardenError(
    ErrorCode.PASSPHRASE_INCORRECT,
    'The passphrase is incorrect, or the encrypted key is damaged.',
  );

/** The FORMAT_UNSUPPORTED error for a key of kind `what` (a name from a fixed table). */
export const unsupportedKind = (what: string) => formatUnsupported(`This is ${what} key. ${HELD}`);

const OKP_PKCS8_PREFIX = {
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
} as const;

const EC_CURVES = { p256: 'prime256v1', p384: 'secp384r1' } as const;

/** Names for key kinds Keywarden does not hold, by OpenSSL's names; used only in messages. */
const UNSUPPORTED_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    secp521r1: 'a P-521',
    secp256k1: 'a secp256k1',
    'rsa-pss': 'an RSA-PSS-restricted',
    dsa: 'a DSA',
    dh: 'a Diffie-Hellman',
    ed448: 'an Ed448',
    x448: 'an X448',
  }),
);

/** Algorithm OIDs node:crypto reads; a PKCS#8 or SPKI with one of these that node refuses is malformed. */
const NODE_OIDS: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.1', // rsaEncryption
  '1.2.840.113549.1.1.10', // RSASSA-PSS
  '1.2.840.10045.2.1', // id-ecPublicKey
  '1.2.840.10040.4.1', // DSA
  '1.2.840.113549.1.3.1', // dhKeyAgreement
  '1.2.840.10046.2.1', // X9.42 DH
  '1.3.101.110', // X25519
  '1.3.101.111', // X448
  '1.3.101.112', // Ed25519
  '1.3.101.113', // Ed448
]);

/** The algorithm of a KeyObject, or FORMAT_UNSUPPORTED naming what it is. */
function algorithmOf(key: KeyObject): AsymmetricAlgorithm {
  const type = key.asymmetricKeyType ?? '';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ed25519' || type === 'x25519') return type;
  if (type === 'ec') {
    if (details.namedCurve === EC_CURVES.p256) return 'p256';
    if (details.namedCurve === EC_CURVES.p384) return 'p384';
    const curve = details.namedCurve;
    // Curve names come from OpenSSL's own table, never from the input.
    throw unsupportedKind(
      curve ? (UNSUPPORTED_NAMES.get(curve) ?? `an EC ${curve}`) : 'an explicit-curve EC',
    );
  }
  if (type === 'rsa') {
    const bits = details.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa${bits}`;
    throw unsupportedKind(`an RSA-${bits ?? 'unknown'}`);
  }
  throw unsupportedKind(UNSUPPORTED_NAMES.get(type) ?? 'an unrecognised kind of');
}

/**
 * Checks that `der` is one DER SEQUENCE spanning exactly the whole buffer: the readers below
 * would otherwise ignore trailing bytes, or a truncated length would pass unnoticed.
 */
export function requireWholeDer(der: Uint8Array, what: string): void {
  const lengthByte = der[1] ?? 0;
  let length = lengthByte;
  let header = 2;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4 || der.length < 2 + count)
      throw formatInvalid(`${what} is malformed.`);
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + (der[2 + i] ?? 0);
    header = 2 + count;
  }
  if (der[0] !== 0x30 || header + length !== der.length) {
    throw formatInvalid(`${what} is malformed: it is truncated or has trailing data.`);
  }
}

/** The OID of the key algorithm in a PKCS#8 or SPKI, or null when it does not parse. */
function algorithmOid(der: Uint8Array, kind: 'pkcs8' | 'spki'): string | null {
  try {
    return kind === 'pkcs8'
      ? AsnParser.parse(der, PrivateKeyInfo).privateKeyAlgorithm.algorithm
      : AsnParser.parse(der, SubjectPublicKeyInfo).algorithm.algorithm;
  } catch {
    return null;
  }
}

/** The error for DER node:crypto refused: unsupported when the algorithm is unknown to it. */
function refusedDer(der: Uint8Array, kind: 'pkcs8' | 'spki', what: string): KeywardenError {
  const oid = algorithmOid(der, kind);
  if (oid !== null && !NODE_OIDS.has(oid)) {
    // An OID is digits and dots; shown only when short, never as raw input.
    const shown = /^[0-9.]{1,64}$/.test(oid) ? ` (OID ${oid})` : '';
    return formatUnsupported(`${what} uses an algorithm Keywarden does not know${shown}. ${HELD}`);
  }
  return formatInvalid(`${what} is malformed.`);
}

/** Reads DER PKCS#8, PKCS#1 (RSA) or SEC1 (EC) private key. Throws FORMAT_INVALID, FORMAT_UNSUPPORTED. */
export function readPrivateDer(der: Uint8Array, type: 'pkcs8' | 'pkcs1' | 'sec1'): KeyObject {
  const what = {
    pkcs8: 'The PKCS#8 key',
    pkcs1: 'The RSA private key',
    sec1: 'The EC private key',
  }[type];
  requireWholeDer(der, what);
  try {
    return createPrivateKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type,
    });
  } catch {
    throw type === 'pkcs8'
      ? refusedDer(der, 'pkcs8', what)
      : formatInvalid(`${what} is malformed.`);
  }
}

/** Reads a DER SubjectPublicKeyInfo or PKCS#1 RSA public key. Throws FORMAT_INVALID, FORMAT_UNSUPPORTED. */
export function readPublicDer(der: Uint8Array, type: 'spki' | 'pkcs1'): KeyObject {
  const what = type === 'spki' ? 'The public key' : 'The RSA public key';
  requireWholeDer(der, what);
  try {
    return createPublicKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type,
    });
  } catch {
    throw type === 'spki' ? refusedDer(der, 'spki', what) : formatInvalid(`${what} is malformed.`);
  }
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : '', 'base64url');

/** Unsigned big-endian bytes without leading zeros, so equal numbers compare equal. */
export function stripLeadingZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}

function bigIntOf(jwk: JsonWebKey, name: string): bigint {
  const bytes = b64url(jwk[name]);
  // The hex string and the BigInt cannot be wiped (see the top of the file); the bytes are.
  const value = bytes.length ? BigInt(`0x${bytes.toString('hex')}`) : 0n;
  zeroize(bytes);
  return value;
}

/**
 * Checks the numbers of an RSA private key agree (n = pq, d inverts e, the CRT values are
 * the ones d and q give), as OpenSSL's RSA_check_key does bar primality: node:crypto loads
 * inconsistent keys without complaint, and such a key signs wrongly or leaks its factors.
 */
function requireConsistentRsa(jwk: JsonWebKey): void {
  const [n, e, d, p, q, dp, dq, qi] = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((name) =>
    bigIntOf(jwk, name),
  ) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  const consistent =
    p > 2n &&
    q > 2n &&
    p * q === n &&
    (e * d) % (p - 1n) === 1n &&
    (e * d) % (q - 1n) === 1n &&
    d % (p - 1n) === dp &&
    d % (q - 1n) === dq &&
    (qi * q) % p === 1n;
  if (!consistent)
    throw formatInvalid('The RSA private key is inconsistent: its numbers do not agree.');
}

const spkiOf = (key: KeyObject) =>
  (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });

/**
 * A private key in canonical form, its public key derived from it. Throws FORMAT_UNSUPPORTED
 * (a kind Keywarden does not hold) and FORMAT_INVALID (a public half stored with the private
 * key that does not belong to it, or inconsistent RSA numbers).
 */
export function canonicalKeyPair(key: KeyObject): CanonicalKeyPair {
  const algorithm = algorithmOf(key);
  const jwk = key.export({ format: 'jwk' });
  if (algorithm === 'ed25519' || algorithm === 'x25519') {
    // Rebuilt from the seed alone, so a public key stored beside it (PKCS#8 v2) cannot
    // stand in for the derived one. The seed is zeroed here; the PKCS#8 is the caller's.
    const seed = b64url(jwk.d);
    try {
      if (seed.length !== 32) throw formatInvalid('The private key has the wrong length.');
      const secret = Buffer.concat([OKP_PKCS8_PREFIX[algorithm], seed]);
      const publicKey = spkiOf(createPrivateKey({ key: secret, format: 'der', type: 'pkcs8' }));
      if (!equalBytes(publicKey.subarray(-32), b64url(jwk.x))) {
        zeroize(secret);
        throw mismatch();
      }
      return { algorithm, secret, publicKey };
    } finally {
      zeroize(seed);
    }
  }
  if (algorithm === 'p256' || algorithm === 'p384') {
    // The point is computed from the scalar: OpenSSL keeps a point stored in the file as is.
    const scalar = b64url(jwk.d);
    try {
      const ecdh = createECDH(EC_CURVES[algorithm]);
      ecdh.setPrivateKey(scalar);
      const stored = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
      if (!equalBytes(ecdh.getPublicKey(), stored)) throw mismatch();
    } finally {
      zeroize(scalar);
    }
  } else {
    requireConsistentRsa(jwk);
  }
  return {
    algorithm,
    secret: key.export({ type: 'pkcs8', format: 'der' }),
    publicKey: spkiOf(key),
  };
}

/** A public key in canonical form. Throws FORMAT_UNSUPPORTED for a kind Keywarden does not hold. */
export function canonicalPublicKey(key: KeyObject): CanonicalPublicKey {
  return { algorithm: algorithmOf(key), publicKey: spkiOf(key) };
}

/** The FORMAT_INVALID error for a stored public key that is not the private key's own. */
export const mismatch = () =>
  formatInvalid('The public key in the file does not belong to its private key.');
