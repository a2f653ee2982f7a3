import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';
import {
  canonicalKeyPair,
  canonicalPublicKey,
  formatInvalid,
  formatUnsupported,
  mismatch,
  stripLeadingZeros,
  unsupportedKind,
} from './canonical-keys.ts';
import { commentOf, decodeBase64url } from './key-file-text.ts';
import type { ParsedKey } from './key-import-formats.ts';

// JSON Web Keys (RFC 7517, 7518, 8037): OKP Ed25519/X25519, EC P-256/P-384, RSA, and
// 32-byte "oct" secret keys. Only the members a key needs are passed on to node:crypto, each
// checked first; values from the file are never echoed in messages.

const SECRET_ALGS: ReadonlyMap<string, 'aes256' | 'hmac-sha256'> = new Map(
  Object.entries({
    A256GCM: 'aes256',
    A256KW: 'aes256',
    A256GCMKW: 'aes256',
    HS256: 'hmac-sha256',
  }),
);

/** Byte lengths of the members of each curve's keys. */
const CURVES: ReadonlyMap<string, { kty: 'OKP' | 'EC'; size: number }> = new Map(
  Object.entries({
    Ed25519: { kty: 'OKP', size: 32 },
    X25519: { kty: 'OKP', size: 32 },
    'P-256': { kty: 'EC', size: 32 },
    'P-384': { kty: 'EC', size: 48 },
  }),
);
const UNSUPPORTED_CURVES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    Ed448: 'an Ed448',
    X448: 'an X448',
    'P-521': 'a P-521',
    secp256k1: 'a secp256k1',
  }),
);

type Members = Record<string, unknown>;

/** A base64url member, checked and, when `size` is given, of that many bytes; undefined if absent. */
function member(jwk: Members, name: string, size?: number): string | undefined {
  const value = jwk[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw formatInvalid(`The JWK's "${name}" is not a string.`);
  // Decoded only to check; zeroed at once since "d", "p", "q"… are secret.
  const bytes = decodeBase64url(value, `The JWK's "${name}"`);
  const length = bytes.length;
  zeroize(bytes);
  if (length === 0 || (size !== undefined && length !== size)) {
    throw formatInvalid(`The JWK's "${name}" has the wrong length.`);
  }
  return value;
}

function required(jwk: Members, name: string, size?: number): string {
  const value = member(jwk, name, size);
  if (value === undefined) throw formatInvalid(`The JWK has no "${name}".`);
  return value;
}

function secretKey(
  jwk: Members,
  comment: string | null,
  requested: 'aes256' | 'hmac-sha256' | undefined,
): ParsedKey {
  const alg = jwk.alg;
  if (alg !== undefined && (typeof alg !== 'string' || !SECRET_ALGS.get(alg))) {
    throw formatUnsupported(
      'The JWK\'s "alg" is not one Keywarden holds as a secret key (A256GCM, A256KW, A256GCMKW, HS256).',
    );
  }
  const stated = alg === undefined ? undefined : SECRET_ALGS.get(alg);
  if (stated && requested && stated !== requested) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The JWK says it is an ${stated} key, not ${requested}.`,
    );
  }
  const algorithm = stated ?? requested;
  const k = jwk.k;
  if (typeof k !== 'string') throw formatInvalid('The JWK has no "k".');
  // The key bytes are returned; the caller zeroes them. On refusal they are zeroed here.
  const secret = decodeBase64url(k, 'The JWK\'s "k"');
  if (secret.length !== 32 || !algorithm) {
    zeroize(secret);
    if (secret.length !== 32) {
      throw formatUnsupported(
        'The secret key is not 32 bytes long; Keywarden holds 32-byte AES-256 and HMAC-SHA-256 keys.',
      );
    }
    throw formatInvalid('The JWK has no "alg"; say whether it is an aes256 or an hmac-sha256 key.');
  }
  return { algorithm, secret, publicKey: null, format: 'jwk', comment };
}

/** The members node:crypto needs for an OKP, EC or RSA key, each checked. */
function cleanAsymmetric(jwk: Members, kty: string): JsonWebKey {
  if (kty === 'RSA') {
    if (jwk.oth !== undefined) throw unsupportedKind('a multi-prime RSA');
    const clean: JsonWebKey = { kty, n: required(jwk, 'n'), e: required(jwk, 'e') };
    if (jwk.d === undefined) return clean;
    for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi']) clean[name] = required(jwk, name);
    return clean;
  }
  const crv = jwk.crv;
  if (typeof crv !== 'string') throw formatInvalid('The JWK has no "crv".');
  const curve = CURVES.get(crv);
  if (!curve || curve.kty !== kty) {
    const named = UNSUPPORTED_CURVES.get(crv);
    throw named
      ? unsupportedKind(named)
      : formatUnsupported(
          "The JWK's curve is not one Keywarden holds (Ed25519, X25519, P-256, P-384).",
        );
  }
  const clean: JsonWebKey = { kty, crv, x: required(jwk, 'x', curve.size) };
  if (kty === 'EC') clean.y = required(jwk, 'y', curve.size);
  const d = member(jwk, 'd', curve.size);
  if (d !== undefined) clean.d = d;
  return clean;
}

/**
 * Reads a JWK. `secretAlgorithm` says what an "oct" key without "alg" is. Throws
 * FORMAT_INVALID (not JSON, not a key, malformed members, a public part that is not the
 * private key's own), FORMAT_UNSUPPORTED (a kind of key Keywarden does not hold) and
 * BAD_REQUEST (an "oct" key whose "alg" disagrees with `secretAlgorithm`).
 */
export function parseJwk(text: string, secretAlgorithm?: 'aes256' | 'hmac-sha256'): ParsedKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw formatInvalid('The file is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw formatInvalid('The JSON is not a JWK.');
  }
  const jwk = value as Members;
  if (jwk.keys !== undefined) throw formatInvalid('The JSON is a JWK set; give one key.');
  const comment = typeof jwk.kid === 'string' ? commentOf(jwk.kid) : null;
  const kty = jwk.kty;
  if (kty === 'oct') return secretKey(jwk, comment, secretAlgorithm);
  if (typeof kty !== 'string') throw formatInvalid('The JSON is not a JWK: it has no "kty".');
  if (kty !== 'OKP' && kty !== 'EC' && kty !== 'RSA') {
    throw formatUnsupported('The JWK is of a key type Keywarden does not hold.');
  }
  const clean = cleanAsymmetric(jwk, kty);
  if (clean.d === undefined) {
    const key = canonicalPublicKey(importJwk(() => createPublicKey({ key: clean, format: 'jwk' })));
    return { ...key, secret: null, format: 'jwk', comment };
  }
  const key = canonicalKeyPair(importJwk(() => createPrivateKey({ key: clean, format: 'jwk' })));
  // node:crypto may take the private members alone; the public ones given must agree.
  const derived = createPublicKey({ key: key.publicKey, format: 'der', type: 'spki' }).export({
    format: 'jwk',
  });
  for (const name of ['x', 'y', 'n', 'e']) {
    const given = clean[name];
    const ours = derived[name];
    if (typeof ours !== 'string') continue;
    const same =
      typeof given === 'string' &&
      equalBytes(
        stripLeadingZeros(Buffer.from(given, 'base64url')),
        stripLeadingZeros(Buffer.from(ours, 'base64url')),
      );
    if (!same) {
      zeroize(key.secret);
      throw mismatch();
    }
  }
  return { ...key, format: 'jwk', comment };
}

function importJwk<T>(load: () => T): T {
  try {
    return load();
  } catch {
    throw formatInvalid('The JWK is not a valid key.');
  }
}
