import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';

// Key check values: a few bytes that show two people hold the same key without showing the
// key. For AES keys, the PCI form: AES-CMAC (RFC 4493 / NIST SP 800-38B) over a zero block,
// first 3 bytes; and the legacy form: the zero block encrypted, first 3 bytes. Node's crypto
// has no CMAC, so it is built here on AES-ECB from OpenSSL (a few lines, checked against the
// RFC's and NIST's examples and against OpenSSL's own CMAC). A secret that is not an AES key
// gets an HMAC-SHA-256 check value of the same length. The fingerprint names a secret in
// records and transcripts: SHA-256 under a label of its own.

const BLOCK = 16;
export const KCV_BYTES = 3;
const AES_KEY_SIZES = new Set([16, 24, 32]);

function ecb(key: Uint8Array): (block: Uint8Array) => Buffer {
  if (!AES_KEY_SIZES.has(key.length)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `An AES key has 16, 24 or 32 bytes; got ${key.length}.`,
    );
  }
  return (block) => {
    const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(block), cipher.final()]);
  };
}

/** Doubling in GF(2^128) (SP 800-38B's subkey step): shift left one bit, fold 0x87 in. */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += 1) {
    out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  }
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87;
  return out;
}

/** AES-CMAC of `message` under an AES-128/192/256 key: 16 bytes. Throws BAD_REQUEST. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  const encrypt = ecb(key);
  const zero = Buffer.alloc(BLOCK);
  const l = encrypt(zero);
  const k1 = double(l);
  const k2 = double(k1);
  const blocks = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const last = Buffer.alloc(BLOCK);
  last.set(message.subarray((blocks - 1) * BLOCK));
  if (!complete) last[message.length - (blocks - 1) * BLOCK] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i += 1) last[i]! ^= subkey[i]!;
  let state: Buffer = zero;
  try {
    for (let b = 0; b < blocks - 1; b += 1) {
      const input = Buffer.alloc(BLOCK);
      for (let i = 0; i < BLOCK; i += 1) input[i] = state[i]! ^ message[b * BLOCK + i]!;
      state = encrypt(input);
      zeroize(input);
    }
    for (let i = 0; i < BLOCK; i += 1) last[i]! ^= state[i]!;
    return encrypt(last);
  } finally {
    zeroize(l, k1, k2, last, state);
  }
}

/** The check value of a secret as hex: AES-CMAC of a zero block for an AES key, else HMAC-SHA-256. */
export function keyCheckValue(secret: Uint8Array): string {
  const mac = AES_KEY_SIZES.has(secret.length)
    ? aesCmac(secret, Buffer.alloc(BLOCK))
    : createHmac('sha256', secret).update(Buffer.alloc(BLOCK)).digest();
  return mac.subarray(0, KCV_BYTES).toString('hex').toUpperCase();
}

/** The legacy AES check value (the zero block encrypted) as hex. Throws BAD_REQUEST. */
export function legacyKeyCheckValue(key: Uint8Array): string {
  return ecb(key)(Buffer.alloc(BLOCK)).subarray(0, KCV_BYTES).toString('hex').toUpperCase();
}

/** A secret's fingerprint: the first 16 bytes of SHA-256 under Keywarden's label, as hex. */
export function secretFingerprint(secret: Uint8Array): string {
  return createHash('sha256')
    .update('keywarden/v1/secret-fingerprint')
    .update(secret)
    .digest()
    .subarray(0, 16)
    .toString('hex');
}
