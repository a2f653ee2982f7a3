import { ECDH } from 'node:crypto';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { Constants } from './token-objects.ts';
import { CURVE_OIDS, attribute } from './token-objects.ts';

// ECDH key agreement on a token (CKM_ECDH1_DERIVE, no KDF): the token's EC P-256 private key
// and a peer's public point give the raw shared secret Z, which the vault's PKCS#11 unlock
// slot feeds to its own KDF. The token puts Z in a session object; it is read out once and the
// object destroyed at once, so Z lives on the token no longer than this call. Worker thread only.

type Lib = Pkcs11.PKCS11;
type Handle = Pkcs11.Handle;

/** An uncompressed SEC1 P-256 point: 0x04 || X || Y. */
export const P256_POINT_BYTES = 65;
/** Z for P-256: the X coordinate of the shared point. */
export const P256_SECRET_BYTES = 32;

/**
 * Refuses (BAD_REQUEST) a peer point that is not 65 bytes, not uncompressed (0x04 first), or
 * not on P-256. Checked here, before any PIN reaches the token, because tokens do not say
 * which: SoftHSM2 2.6 answers every malformed or off-curve point with CKR_GENERAL_ERROR,
 * indistinguishable from a failing token, and a token that skipped the check would leak bits
 * of its key to an invalid-curve attack. Returns nothing; throws nothing else.
 */
export function checkPeerPoint(point: Uint8Array): void {
  const refuse = (why: string) =>
    new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The peer's public key ${why}; ECDH on the token takes an uncompressed P-256 point (65 bytes, 0x04 || X || Y).`,
    );
  if (point.length !== P256_POINT_BYTES) throw refuse(`is ${point.length} bytes`);
  if (point[0] !== 0x04) throw refuse('is not an uncompressed point');
  try {
    // OpenSSL's point decoding checks that X and Y are below p and that the point is on the curve.
    ECDH.convertKey(point, 'prime256v1');
  } catch {
    throw refuse('is not a point on P-256');
  }
}

/** A CK_ULONG attribute (8 bytes on 64-bit Unix, 4 on Windows), little-endian. */
function ulong(value: Buffer | null): number | null {
  if (value?.length === 8) return Number(value.readBigUInt64LE());
  if (value?.length === 4) return value.readUInt32LE();
  return null;
}

/**
 * Refuses a private key that is not EC (KEY_PURPOSE_MISMATCH, as the layer refuses an EC key
 * for RSA-OAEP) or is EC on another curve (MECHANISM_UNSUPPORTED: Keywarden agrees on P-256
 * only). Read on every call, not cached: an unlock is rare, and the answer is clearer than
 * what tokens say (SoftHSM2: CKR_KEY_FUNCTION_NOT_PERMITTED for an RSA key).
 */
function checkAgreementKey(c: Constants, lib: Lib, session: Handle, key: Handle, keyId: string) {
  const keyType = ulong(attribute(lib, session, key, c.CKA_KEY_TYPE));
  if (keyType !== c.CKK_EC) {
    const kind = keyType === c.CKK_RSA ? 'an RSA key' : 'not an EC key';
    throw new KeywardenError(
      ErrorCode.KEY_PURPOSE_MISMATCH,
      `Key ${keyId} is ${kind}; ECDH key agreement needs an EC P-256 private key.`,
    );
  }
  const params = attribute(lib, session, key, c.CKA_EC_PARAMS);
  if (params === null || !params.equals(CURVE_OIDS.p256)) {
    throw new KeywardenError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `Key ${keyId} is not on P-256 (or the token does not say its curve); Keywarden does ECDH on P-256 only.`,
    );
  }
}

/** CKM_ECDH1_DERIVE with the peer's point as the token is to read it; no KDF, no shared data. */
function ecdh(c: Constants, publicData: Buffer): Pkcs11.Mechanism {
  const parameter: Pkcs11.ECDH1 = { type: c.CK_PARAMS_EC_DH, kdf: c.CKD_NULL, publicData };
  return { mechanism: c.CKM_ECDH1_DERIVE, parameter };
}

/**
 * Z as a session object (CKA_TOKEN false): gone when the session closes even if the destroy
 * after reading it is never reached, and creatable in the read-only held session. Readable
 * (not sensitive, extractable), since reading Z out is the point.
 */
function secretTemplate(c: Constants): Pkcs11.Template {
  return [
    { type: c.CKA_CLASS, value: c.CKO_SECRET_KEY },
    { type: c.CKA_KEY_TYPE, value: c.CKK_GENERIC_SECRET },
    { type: c.CKA_VALUE_LEN, value: P256_SECRET_BYTES },
    { type: c.CKA_TOKEN, value: false },
    { type: c.CKA_SENSITIVE, value: false },
    { type: c.CKA_EXTRACTABLE, value: true },
  ];
}

/**
 * C_DeriveKey, with the context-specific login a CKA_ALWAYS_AUTHENTICATE key asks for just
 * before it (C_DeriveKey has no C_*Init to follow). A token that does not tie that login to a
 * derivation answers CKR_OPERATION_NOT_INITIALIZED (SoftHSM2, which then derives without it):
 * the derivation goes ahead, and the token, not this code, decides whether it needed one.
 */
function derive(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  publicData: Buffer,
  contextLogin: (() => void) | undefined,
): Handle {
  try {
    contextLogin?.();
  } catch (error) {
    if ((error as { code?: unknown }).code !== c.CKR_OPERATION_NOT_INITIALIZED) throw error;
  }
  return lib.C_DeriveKey(session, ecdh(c, publicData), key, secretTemplate(c));
}

/**
 * Derives with the point raw (0x04 || X || Y), as PKCS#11 v2.40 and later say; a token that
 * refuses it as malformed (CKR_ARGUMENTS_BAD, CKR_MECHANISM_PARAM_INVALID,
 * CKR_DOMAIN_PARAMS_INVALID) is tried once more with the point DER-wrapped as an OCTET STRING,
 * the form of CKA_EC_POINT that some older modules expect here too. Refused both ways, the
 * token does not do ECDH this way: MECHANISM_UNSUPPORTED.
 */
function deriveEitherForm(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  point: Uint8Array,
  contextLogin: (() => void) | undefined,
): Handle {
  const malformed: readonly unknown[] = [
    c.CKR_ARGUMENTS_BAD,
    c.CKR_MECHANISM_PARAM_INVALID,
    c.CKR_DOMAIN_PARAMS_INVALID,
  ];
  const raw = Buffer.from(point.buffer, point.byteOffset, point.byteLength);
  try {
    return derive(c, lib, session, key, raw, contextLogin);
  } catch (error) {
    if (!malformed.includes((error as { code?: unknown }).code)) throw error;
  }
  // 0x04 (OCTET STRING), 0x41 (65 bytes), the point. Public bytes, zeroed all the same.
  const der = Buffer.alloc(2 + point.length);
  der.set([0x04, point.length]);
  der.set(point, 2);
  try {
    return derive(c, lib, session, key, der, contextLogin);
  } catch (error) {
    if (!malformed.includes((error as { code?: unknown }).code)) throw error;
    throw new KeywardenError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      'The token refused ECDH (CKM_ECDH1_DERIVE, no KDF) with the peer point raw and DER-wrapped; it does not do key agreement this way.',
      { cause: error },
    );
  } finally {
    der.fill(0);
  }
}

/**
 * Reads Z out of the derived object into a buffer of its own (Buffer.alloc: never a slice of
 * Node's shared pool, so the worker can hand the whole ArrayBuffer over), and zeroes the copy
 * pkcs11js made. pkcs11js's native scratch copy is freed without zeroing; that is beyond reach.
 */
function readSecret(c: Constants, lib: Lib, session: Handle, derived: Handle): Buffer {
  const [read] = lib.C_GetAttributeValue(session, derived, [{ type: c.CKA_VALUE }]);
  const value = read?.value;
  if (!Buffer.isBuffer(value)) {
    throw new KeywardenError(
      ErrorCode.TOKEN_FAILED,
      'The token gave no value for the derived secret.',
    );
  }
  try {
    if (value.length !== P256_SECRET_BYTES) {
      throw new KeywardenError(
        ErrorCode.TOKEN_FAILED,
        `The token derived a ${value.length}-byte secret, not the ${P256_SECRET_BYTES} bytes of P-256 ECDH.`,
      );
    }
    const secret = Buffer.alloc(P256_SECRET_BYTES);
    secret.set(value);
    return secret;
  } finally {
    value.fill(0);
  }
}

/**
 * ECDH between the private key `key` (CKA_ID `keyId`) and the peer's `point`, on the token in
 * `session` (logged in as the user); returns Z, 32 bytes the caller owns and zeroes. The
 * derived object is destroyed before returning, on failure too. A destroy that fails throws
 * the token's own error, unmapped, so the held session is closed (withHeldSession) and the
 * session object ends with it; a secret already read is zeroed first.
 *
 * Throws BAD_REQUEST for a point that is not an uncompressed P-256 point (checkPeerPoint),
 * KEY_PURPOSE_MISMATCH for a key that is not EC, MECHANISM_UNSUPPORTED for another curve or a
 * point the token refuses in both forms. The token's own refusals come as pkcs11js errors for
 * the caller's tokenError: CKA_DERIVE false (CKR_KEY_FUNCTION_NOT_PERMITTED) becomes
 * KEY_PURPOSE_MISMATCH, no CKM_ECDH1_DERIVE (CKR_MECHANISM_INVALID) MECHANISM_UNSUPPORTED.
 */
export function deriveSharedSecret(
  c: Constants,
  lib: Lib,
  session: Handle,
  key: Handle,
  keyId: string,
  point: Uint8Array,
  contextLogin?: () => void,
): Buffer {
  checkPeerPoint(point);
  checkAgreementKey(c, lib, session, key, keyId);
  const derived = deriveEitherForm(c, lib, session, key, point, contextLogin);
  let secret: Buffer;
  try {
    secret = readSecret(c, lib, session, derived);
  } catch (error) {
    lib.C_DestroyObject(session, derived); // its own failure wins: the session must close
    throw error;
  }
  try {
    lib.C_DestroyObject(session, derived);
  } catch (error) {
    secret.fill(0);
    throw error;
  }
  return secret;
}
