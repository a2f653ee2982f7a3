import { createCipheriv, createDecipheriv } from 'node:crypto';

// AES Key Wrap with Padding (RFC 5649) under a 256-bit key-encryption key, through OpenSSL's
// id-aes256-wrap-pad. The output is 8 bytes longer than the input, rounded up to 8 bytes.

const KWP_IV = Buffer.from('a65959a6', 'hex');

/** Wraps `keyToWrap` (1 byte or more) under the 32-byte `kek`. The caller zeroes both. */
export function kwpWrap(kek: Uint8Array, keyToWrap: Uint8Array): Buffer {
  // An empty key would wrap to nothing and "unwrap" from nothing; there is no such key.
  if (keyToWrap.length === 0) throw new RangeError('nothing to wrap');
  const cipher = createCipheriv('id-aes256-wrap-pad', kek, KWP_IV);
  return Buffer.concat([cipher.update(keyToWrap), cipher.final()]);
}

/**
 * Unwraps RFC 5649 output; null when the integrity check fails (wrong key, altered data).
 * The caller zeroes the result.
 */
export function kwpUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer | null {
  // RFC 5649 output is at least two 64-bit blocks and a whole number of them.
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) return null;
  try {
    const decipher = createDecipheriv('id-aes256-wrap-pad', kek, KWP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return null;
  }
}
