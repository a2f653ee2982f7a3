import { createHash, randomBytes } from 'node:crypto';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { TokenKeyAlgorithm } from '../../electron/shared/token-types.ts';
import type { Constants } from './token-objects.ts';
import { attribute } from './token-objects.ts';

// What a key on a token does, in one logged-in session: sign and verify (ECDSA, RSA PKCS#1
// v1.5 and PSS), encrypt and decrypt (AES-256-GCM, RSA-OAEP-SHA-256), wrap and unwrap (AES
// Key Wrap with Padding, RFC 5649, or RSA-OAEP). The forms match what the vault's own keys
// and OpenSSL write: ECDSA signatures DER, GCM as nonce || ciphertext || tag.

type Lib = Pkcs11.PKCS11;
type Handle = Pkcs11.Handle;

export type TokenHash = 'sha256' | 'sha384' | 'sha512';

export interface SignatureScheme {
  algorithm: TokenKeyAlgorithm;
  hash: TokenHash;
  /** RSA only: PKCS#1 v1.5 (default) or PSS (salt = hash length). */
  rsaPadding?: 'pkcs1' | 'pss';
}

const HASHES = {
  sha256: {
    rsa: 'CKM_SHA256_RSA_PKCS',
    pss: 'CKM_SHA256_RSA_PKCS_PSS',
    hash: 'CKM_SHA256',
    mgf: 'CKG_MGF1_SHA256',
    bytes: 32,
  },
  sha384: {
    rsa: 'CKM_SHA384_RSA_PKCS',
    pss: 'CKM_SHA384_RSA_PKCS_PSS',
    hash: 'CKM_SHA384',
    mgf: 'CKG_MGF1_SHA384',
    bytes: 48,
  },
  sha512: {
    rsa: 'CKM_SHA512_RSA_PKCS',
    pss: 'CKM_SHA512_RSA_PKCS_PSS',
    hash: 'CKM_SHA512',
    mgf: 'CKG_MGF1_SHA512',
    bytes: 64,
  },
} as const;

/** GCM: a 12-byte nonce and a 16-byte tag, as the vault's AES keys use. */
const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** CKZ_DATA_SPECIFIED: the OAEP label source (an empty label). */
const CKZ_DATA_SPECIFIED = 1;
/** The largest output any of these mechanisms gives for the inputs allowed (RSA-4096, KWP of 64 KiB). */
const OUTPUT_BYTES = 64 * 1024 + 64;

/**
 * Bytes the caller owns whole: never a slice of Node's shared buffer pool, whose other
 * contents would travel with it to the other thread (a structured clone copies a view's
 * whole ArrayBuffer) and could not be zeroed with it.
 */
function ownCopy(...parts: Uint8Array[]): Buffer {
  const copy = Buffer.alloc(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    copy.set(part, at);
    at += part.length;
  }
  return copy;
}

/** A Buffer over the same bytes, with no copy (pkcs11js takes Buffers). */
const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const isRsa = (algorithm: TokenKeyAlgorithm) => algorithm.startsWith('rsa');
const isEc = (algorithm: TokenKeyAlgorithm) => algorithm === 'p256' || algorithm === 'p384';

function named(c: Constants, name: string): number {
  const value = (c as unknown as Record<string, unknown>)[name];
  if (typeof value !== 'number') {
    throw new KeywardenError(ErrorCode.MECHANISM_UNSUPPORTED, `${name} is not available here.`);
  }
  return value;
}

function refuse(algorithm: TokenKeyAlgorithm, what: string): never {
  throw new KeywardenError(ErrorCode.KEY_PURPOSE_MISMATCH, `An ${algorithm} key cannot ${what}.`);
}

/** r || s, as PKCS#11 returns an ECDSA signature, to the DER SEQUENCE OpenSSL reads. */
export function ecdsaDer(raw: Uint8Array): Buffer {
  const half = raw.length / 2;
  // Each INTEGER: leading zero bytes dropped, one 0x00 put back when the top bit is set.
  const parts = [raw.subarray(0, half), raw.subarray(half)].map((bytes) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    const value = bytes.subarray(start);
    return { value, pad: ((value[0] ?? 0) & 0x80) !== 0 ? 1 : 0 };
  });
  const content = parts.reduce((sum, p) => sum + 2 + p.pad + p.value.length, 0);
  const header = content < 0x80 ? 2 : 3;
  const der = Buffer.alloc(header + content);
  der[0] = 0x30;
  if (header === 2) der[1] = content;
  else der.set([0x81, content], 1);
  let at = header;
  for (const { value, pad } of parts) {
    der[at] = 0x02;
    der[at + 1] = pad + value.length;
    der.set(value, at + 2 + pad);
    at += 2 + pad + value.length;
  }
  return der;
}

/**
 * A DER ECDSA signature back to r || s of `size` bytes each, for C_Verify; null when it is
 * not a well-formed SEQUENCE of two positive INTEGERs that fit (such a signature is invalid).
 */
export function ecdsaRaw(der: Uint8Array, size: number): Buffer | null {
  let at = 0;
  const readLength = (): number | null => {
    const first = der[at++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    if (first !== 0x81) return null; // an ECDSA signature up to P-521 never needs more
    const next = der[at++];
    return next !== undefined && next >= 0x80 ? next : null;
  };
  if (der[at++] !== 0x30) return null;
  const total = readLength();
  if (total === null || at + total !== der.length) return null;
  const out = Buffer.alloc(size * 2);
  for (const half of [0, 1]) {
    if (der[at++] !== 0x02) return null;
    const length = readLength();
    if (length === null || length === 0 || at + length > der.length) return null;
    let value = der.subarray(at, at + length);
    at += length;
    if ((value[0] ?? 0) & 0x80) return null; // negative
    if (value.length > 1 && value[0] === 0 && !((value[1] ?? 0) & 0x80)) return null; // not minimal
    if (value[0] === 0) value = value.subarray(1);
    if (value.length > size) return null;
    out.set(value, half * size + (size - value.length));
  }
  return at === der.length ? out : null;
}

function signatureMechanism(c: Constants, scheme: SignatureScheme): Pkcs11.Mechanism {
  const hash = HASHES[scheme.hash];
  // ECDSA over a digest made here: every token has CKM_ECDSA, not every token the hashing forms.
  if (isEc(scheme.algorithm)) return { mechanism: c.CKM_ECDSA };
  if (!isRsa(scheme.algorithm)) refuse(scheme.algorithm, 'sign');
  if (scheme.rsaPadding === 'pss') {
    const parameter: Pkcs11.RsaPSS = {
      type: c.CK_PARAMS_RSA_PSS,
      hashAlg: named(c, hash.hash),
      mgf: named(c, hash.mgf),
      saltLen: hash.bytes,
    };
    return { mechanism: named(c, hash.pss), parameter };
  }
  return { mechanism: named(c, hash.rsa) };
}

/** What the token signs: the digest for ECDSA (CKM_ECDSA), the message for RSA. */
function signedInput(scheme: SignatureScheme, data: Uint8Array): Buffer {
  return isEc(scheme.algorithm) ? createHash(scheme.hash).update(data).digest() : view(data);
}

/**
 * Some modules answer a mechanism of the wrong key type with CKR_GENERAL_ERROR; when an
 * operation fails, the key's type says whether that was the reason (read only then: it costs
 * a round trip to the card on every call otherwise).
 */
function explainFailure(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  algorithm: TokenKeyAlgorithm,
  error: unknown,
): never {
  const keyType = attribute(lib, session, key, c.CKA_KEY_TYPE)?.readUInt32LE(0);
  const expected = isRsa(algorithm) ? c.CKK_RSA : isEc(algorithm) ? c.CKK_EC : c.CKK_AES;
  if (keyType !== undefined && keyType !== expected) {
    throw new KeywardenError(
      ErrorCode.KEY_PURPOSE_MISMATCH,
      `The key on the token is not ${algorithm.startsWith('rsa') ? 'an RSA' : isEc(algorithm) ? 'an EC' : 'an AES'} key; it cannot be used as ${algorithm}.`,
    );
  }
  throw error;
}

/** Where C_Sign writes: one buffer, reused (the worker signs one thing at a time). */
const signatureOut = Buffer.alloc(1024);

/**
 * Signs `data` with the private key `key`. `contextLogin` is called between C_SignInit and
 * C_Sign, for a key that asks for its PIN on every use (CKA_ALWAYS_AUTHENTICATE).
 */
export function signData(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  scheme: SignatureScheme,
  data: Uint8Array,
  contextLogin?: () => void,
): Buffer {
  const mechanism = signatureMechanism(c, scheme);
  const input = signedInput(scheme, data);
  let signature: Buffer;
  try {
    lib.C_SignInit(session, mechanism, key);
    contextLogin?.();
    signature = lib.C_Sign(session, input, signatureOut);
  } catch (error) {
    explainFailure(c, lib, session, key, scheme.algorithm, error);
  }
  // `signature` is a view of the shared buffer: copied out (or DER-encoded) before returning.
  return isEc(scheme.algorithm) ? ecdsaDer(signature) : ownCopy(signature);
}

/**
 * Verifies `signature` over `data` with the public key `key` on the token (C_Verify).
 * A malformed or wrong signature is false, not an error.
 */
export function verifyData(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  scheme: SignatureScheme,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const mechanism = signatureMechanism(c, scheme);
  let raw: Buffer | null = view(signature);
  if (isEc(scheme.algorithm)) raw = ecdsaRaw(signature, scheme.algorithm === 'p256' ? 32 : 48);
  if (raw === null) return false;
  try {
    lib.C_VerifyInit(session, mechanism, key);
    return lib.C_Verify(session, signedInput(scheme, data), raw);
  } catch (error) {
    const rv = (error as { code?: unknown }).code;
    if (rv === c.CKR_SIGNATURE_INVALID || rv === c.CKR_SIGNATURE_LEN_RANGE) return false;
    explainFailure(c, lib, session, key, scheme.algorithm, error);
  }
}

/**
 * RSA-OAEP with `hash` for the label and MGF1. SHA-256 is the vault's; SHA-1 is what many
 * tokens have (SoftHSM2 2.6 among them), and OAEP's security does not rest on SHA-1's
 * collision resistance.
 */
export type OaepHash = 'sha256' | 'sha1';

function oaep(c: Constants, hash: OaepHash): Pkcs11.Mechanism {
  const parameter: Pkcs11.RsaOAEP = {
    type: c.CK_PARAMS_RSA_OAEP,
    hashAlg: hash === 'sha1' ? c.CKM_SHA_1 : c.CKM_SHA256,
    mgf: hash === 'sha1' ? c.CKG_MGF1_SHA1 : c.CKG_MGF1_SHA256,
    source: CKZ_DATA_SPECIFIED,
  };
  return { mechanism: c.CKM_RSA_PKCS_OAEP, parameter };
}

/**
 * Starts an operation with `init`; a token that refuses the mechanism's parameters (as
 * SoftHSM2 refuses OAEP with SHA-256: CKR_ARGUMENTS_BAD) does not do that mechanism.
 */
function initialise(c: Constants, what: string, init: () => void): void {
  try {
    init();
  } catch (error) {
    const rv = (error as { code?: unknown }).code;
    if (rv === c.CKR_ARGUMENTS_BAD || rv === c.CKR_MECHANISM_PARAM_INVALID) {
      throw new KeywardenError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `The token does not do ${what} (it refused the mechanism's parameters).`,
      );
    }
    throw error;
  }
}

function gcm(c: Constants, nonce: Buffer, aad: Uint8Array): Pkcs11.Mechanism {
  const parameter: Pkcs11.AesGCM = {
    type: c.CK_PARAMS_AES_GCM,
    iv: nonce,
    ivBits: nonce.length * 8,
    aad: view(aad),
    tagBits: GCM_TAG_BYTES * 8,
  };
  return { mechanism: c.CKM_AES_GCM, parameter };
}

/**
 * Encrypts with AES-256-GCM (a fresh random nonce; out: nonce || ciphertext || tag, with
 * `aad`) or RSA-OAEP-SHA-256 (with the public key `key`).
 */
export function encryptData(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  algorithm: TokenKeyAlgorithm,
  plaintext: Uint8Array,
  aad: Uint8Array,
  oaepHash: OaepHash = 'sha256',
): Buffer {
  const out = Buffer.alloc(plaintext.length + OUTPUT_BYTES);
  try {
    if (algorithm === 'aes256') {
      const nonce = randomBytes(GCM_NONCE_BYTES);
      initialise(c, 'AES-GCM', () => lib.C_EncryptInit(session, gcm(c, nonce, aad), key));
      return ownCopy(nonce, lib.C_Encrypt(session, view(plaintext), out));
    }
    if (!isRsa(algorithm)) refuse(algorithm, 'encrypt');
    if (aad.length > 0) refuse(algorithm, 'bind associated data (RSA-OAEP has no AAD here)');
    // OAEP takes at most k - 2 hLen - 2 bytes; checked here, as not every token says why it fails.
    const limit = Number(algorithm.slice(3)) / 8 - 2 * (oaepHash === 'sha1' ? 20 : 32) - 2;
    if (plaintext.length > limit) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `RSA-OAEP with this key takes at most ${limit} bytes; wrap a data key instead.`,
      );
    }
    initialise(c, `RSA-OAEP with ${oaepHash}`, () =>
      lib.C_EncryptInit(session, oaep(c, oaepHash), key),
    );
    return ownCopy(lib.C_Encrypt(session, view(plaintext), out));
  } catch (error) {
    if ((error as { code?: unknown }).code === c.CKR_DATA_LEN_RANGE) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        'The data is too long for RSA-OAEP with this key; wrap a data key instead.',
      );
    }
    explainFailure(c, lib, session, key, algorithm, error);
  } finally {
    out.fill(0);
  }
}

/** Decrypts what encryptData (or OpenSSL, for RSA-OAEP-SHA-256) wrote; DECRYPTION_FAILED otherwise. */
export function decryptData(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  algorithm: TokenKeyAlgorithm,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  oaepHash: OaepHash = 'sha256',
  contextLogin?: () => void,
): Buffer {
  const failed = () =>
    new KeywardenError(
      ErrorCode.DECRYPTION_FAILED,
      'The ciphertext does not decrypt with this key (wrong key, or altered data).',
    );
  const out = Buffer.alloc(ciphertext.length + OUTPUT_BYTES);
  try {
    if (algorithm === 'aes256') {
      if (ciphertext.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw failed();
      const nonce = view(ciphertext.subarray(0, GCM_NONCE_BYTES));
      initialise(c, 'AES-GCM', () => lib.C_DecryptInit(session, gcm(c, nonce, aad), key));
      contextLogin?.();
      return decryptStep(c, () =>
        ownCopy(lib.C_Decrypt(session, view(ciphertext.subarray(GCM_NONCE_BYTES)), out)),
      );
    }
    if (!isRsa(algorithm)) refuse(algorithm, 'decrypt');
    initialise(c, `RSA-OAEP with ${oaepHash}`, () =>
      lib.C_DecryptInit(session, oaep(c, oaepHash), key),
    );
    contextLogin?.();
    return decryptStep(c, () => ownCopy(lib.C_Decrypt(session, view(ciphertext), out)));
  } catch (error) {
    const rv = (error as { code?: unknown }).code;
    const undecryptable = [
      c.CKR_ENCRYPTED_DATA_INVALID,
      c.CKR_ENCRYPTED_DATA_LEN_RANGE,
      (c as unknown as Record<string, number>).CKR_AEAD_DECRYPT_FAILED ?? 0x35,
    ];
    if (undecryptable.includes(rv as number)) throw failed();
    explainFailure(c, lib, session, key, algorithm, error);
  } finally {
    out.fill(0); // held the plaintext
  }
}

/**
 * C_Decrypt, once C_DecryptInit has taken the key and mechanism: a failure now is the data's
 * (a GCM tag or OAEP padding that does not check), which some modules, SoftHSM2 among them,
 * report as CKR_GENERAL_ERROR or CKR_FUNCTION_FAILED.
 */
function decryptStep(c: Constants, step: () => Buffer): Buffer {
  try {
    return step();
  } catch (error) {
    const rv = (error as { code?: unknown }).code;
    if (rv === c.CKR_GENERAL_ERROR || rv === c.CKR_FUNCTION_FAILED) {
      throw new KeywardenError(
        ErrorCode.DECRYPTION_FAILED,
        'The ciphertext does not decrypt with this key (wrong key, or altered data).',
      );
    }
    throw error;
  }
}

/** The wrapping mechanism a key of `algorithm` wraps and unwraps with. */
function wrapMechanism(
  c: Constants,
  algorithm: TokenKeyAlgorithm,
  oaepHash: OaepHash,
): Pkcs11.Mechanism {
  if (algorithm === 'aes256') return { mechanism: c.CKM_AES_KEY_WRAP_PAD };
  if (isRsa(algorithm)) return oaep(c, oaepHash);
  refuse(algorithm, 'wrap or unwrap keys');
}

/**
 * Wraps the key `target` (extractable, on the same token) under `wrappingKey`: AES Key Wrap
 * with Padding under an AES key, RSA-OAEP-SHA-256 under an RSA public key.
 */
export function wrapKeyData(
  c: Constants,
  lib: Lib,
  session: Handle,
  wrappingKey: Handle,
  algorithm: TokenKeyAlgorithm,
  target: Handle,
  oaepHash: OaepHash = 'sha256',
): Buffer {
  const mechanism = wrapMechanism(c, algorithm, oaepHash);
  try {
    return ownCopy(
      lib.C_WrapKey(session, mechanism, wrappingKey, target, Buffer.alloc(OUTPUT_BYTES)),
    );
  } catch (error) {
    explainFailure(c, lib, session, wrappingKey, algorithm, error);
  }
}

/**
 * Unwraps `wrapped` under `unwrappingKey` into a new AES-256 key on the token with
 * `template`; returns its handle. A blob that fails its integrity check is DECRYPTION_FAILED.
 */
export function unwrapKeyData(
  c: Constants,
  lib: Lib,
  session: Handle,
  unwrappingKey: Handle,
  algorithm: TokenKeyAlgorithm,
  wrapped: Uint8Array,
  template: Pkcs11.Template,
  oaepHash: OaepHash = 'sha256',
): Handle {
  const mechanism = wrapMechanism(c, algorithm, oaepHash);
  try {
    return lib.C_UnwrapKey(session, mechanism, unwrappingKey, view(wrapped), template);
  } catch (error) {
    const rv = (error as { code?: unknown }).code;
    // SoftHSM2 answers a blob whose integrity check fails with CKR_GENERAL_ERROR.
    const refused = [
      c.CKR_WRAPPED_KEY_INVALID,
      c.CKR_WRAPPED_KEY_LEN_RANGE,
      c.CKR_ENCRYPTED_DATA_INVALID,
      c.CKR_GENERAL_ERROR,
      c.CKR_FUNCTION_FAILED,
    ];
    if (refused.includes(rv as number)) {
      throw new KeywardenError(
        ErrorCode.DECRYPTION_FAILED,
        'The wrapped key fails its integrity check under this key (wrong key, or altered data).',
      );
    }
    explainFailure(c, lib, session, unwrappingKey, algorithm, error);
  }
}
