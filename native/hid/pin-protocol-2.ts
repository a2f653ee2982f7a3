import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { CborMap } from './ctap-cbor.ts';

// PIN/UV auth protocol 2 (CTAP 2.1 §6.5.7), the platform's side. Key agreement is ECDH on P-256
// with the authenticator's COSE key; the x-coordinate Z becomes a 64-byte shared secret through
// HKDF-SHA-256 (salt 32 zero bytes): an HMAC key ("CTAP2 HMAC key") then an AES-256 key
// ("CTAP2 AES key"). encrypt is AES-256-CBC under a random IV sent in front of the ciphertext;
// authenticate is HMAC-SHA-256 under the HMAC key (or the 32-byte pinUvAuthToken), untruncated.

export const PIN_PROTOCOL_2 = 2;

const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_CRV = -1;
const COSE_X = -2;
const COSE_Y = -3;
const KTY_EC2 = 2;
const ALG_ECDH_ES_HKDF_256 = -25;
const CRV_P256 = 1;

/** The result of key agreement: our public key for the token, and the shared secret. */
export interface PinProtocolSession {
  /** The platform key agreement key, as the COSE_Key the token expects. */
  platformKey: CborMap;
  /** HMAC key ‖ AES key, 64 bytes. Secret: the caller zeroes it when done. */
  sharedSecret: Buffer;
}

/** The COSE_Key (EC2, ECDH-ES+HKDF-256, P-256) for an uncompressed P-256 point. */
export function coseKeyFromPoint(point: Uint8Array): CborMap {
  return new Map<number, unknown>([
    [COSE_KTY, KTY_EC2],
    [COSE_ALG, ALG_ECDH_ES_HKDF_256],
    [COSE_CRV, CRV_P256],
    [COSE_X, point.slice(1, 33)],
    [COSE_Y, point.slice(33, 65)],
  ]);
}

/** The uncompressed P-256 point of a COSE_Key; throws TOKEN_PROTOCOL_ERROR if it is not one. */
export function pointFromCoseKey(key: CborMap): Buffer {
  const x = key.get(COSE_X);
  const y = key.get(COSE_Y);
  if (
    key.get(COSE_KTY) !== KTY_EC2 ||
    key.get(COSE_CRV) !== CRV_P256 ||
    !(x instanceof Uint8Array && x.length === 32) ||
    !(y instanceof Uint8Array && y.length === 32)
  ) {
    throw new KeywardenError(
      ErrorCode.TOKEN_PROTOCOL_ERROR,
      'The token sent a key agreement key that is not a P-256 COSE key.',
    );
  }
  return Buffer.concat([Buffer.of(0x04), x, y]);
}

/** KDF(Z) of protocol 2: HKDF-SHA-256 to the HMAC key, then to the AES key; 64 bytes. */
export function deriveSharedSecret(z: Uint8Array): Buffer {
  const salt = Buffer.alloc(32);
  const hmacKey = Buffer.from(hkdfSync('sha256', z, salt, 'CTAP2 HMAC key', 32));
  const aesKey = Buffer.from(hkdfSync('sha256', z, salt, 'CTAP2 AES key', 32));
  const secret = Buffer.concat([hmacKey, aesKey]);
  hmacKey.fill(0);
  aesKey.fill(0);
  return secret;
}

/**
 * Agrees a shared secret with the token's key agreement key: a fresh P-256 key pair from the
 * OS CSPRNG, ECDH, then KDF. Throws TOKEN_PROTOCOL_ERROR if the token's key is not a valid
 * P-256 point.
 */
export function encapsulate(peerKey: CborMap): PinProtocolSession {
  const ecdh = createECDH('prime256v1');
  const point = ecdh.generateKeys();
  let z: Buffer;
  try {
    z = ecdh.computeSecret(pointFromCoseKey(peerKey));
  } catch (cause) {
    if (cause instanceof KeywardenError) throw cause;
    throw new KeywardenError(
      ErrorCode.TOKEN_PROTOCOL_ERROR,
      'The token sent a key agreement key that is not on the P-256 curve.',
      { cause },
    );
  }
  // Z is the ECDH x-coordinate: zeroed as soon as the KDF has read it.
  const sharedSecret = deriveSharedSecret(z);
  z.fill(0);
  return { platformKey: coseKeyFromPoint(point), sharedSecret };
}

function aesKeyOf(sharedSecret: Uint8Array): Uint8Array {
  if (sharedSecret.length !== 64) {
    throw new KeywardenError(ErrorCode.INTERNAL, 'A protocol 2 shared secret has 64 bytes.');
  }
  return sharedSecret.subarray(32, 64);
}

/** encrypt(key, plaintext): IV ‖ AES-256-CBC(plaintext), plaintext a multiple of 16 bytes. */
export function encrypt(sharedSecret: Uint8Array, plaintext: Uint8Array): Buffer {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', aesKeyOf(sharedSecret), iv).setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
}

/** decrypt(key, IV ‖ ciphertext); throws TOKEN_PROTOCOL_ERROR when not block-aligned. */
export function decrypt(sharedSecret: Uint8Array, ciphertext: Uint8Array): Buffer {
  if (ciphertext.length < 16 || ciphertext.length % 16 !== 0) {
    throw new KeywardenError(
      ErrorCode.TOKEN_PROTOCOL_ERROR,
      'The token sent encrypted data of an impossible length.',
    );
  }
  const decipher = createDecipheriv(
    'aes-256-cbc',
    aesKeyOf(sharedSecret),
    ciphertext.subarray(0, 16),
  ).setAutoPadding(false);
  return Buffer.concat([decipher.update(ciphertext.subarray(16)), decipher.final()]);
}

/** authenticate(key, message): HMAC-SHA-256 under the first 32 bytes of `key`, 32 bytes. */
export function authenticate(key: Uint8Array, message: Uint8Array): Buffer {
  return createHmac('sha256', key.subarray(0, 32)).update(message).digest();
}
