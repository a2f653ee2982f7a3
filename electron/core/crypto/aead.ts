import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM with a random 96-bit nonce and a 128-bit tag: the one AEAD of the vault.
// The caller's key buffer is never copied into long-lived state here; node:crypto keeps
// its own copy only for the lifetime of the cipher object.

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

/** A sealed message: the nonce and the ciphertext with its tag appended. */
export interface Sealed {
  nonce: Buffer;
  ciphertext: Buffer;
}

/** Encrypts `plaintext` under `key` with a fresh nonce from the OS CSPRNG, binding `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Sealed {
  const nonce = randomBytes(AEAD_NONCE_BYTES);
  return { nonce, ciphertext: sealWithNonce(key, nonce, plaintext, aad) };
}

/**
 * Encrypts with a caller-chosen nonce. Only known-answer tests and `seal` use this: a nonce
 * must never repeat under one key.
 */
export function sealWithNonce(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  tagBytes: number = AEAD_TAG_BYTES,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Decrypts and authenticates. Returns null when the tag does not verify (wrong key, changed
 * ciphertext, nonce or AAD): callers turn that into the error code of their context.
 */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  tagBytes: number = AEAD_TAG_BYTES,
): Buffer | null {
  if (ciphertext.length < tagBytes) return null;
  const body = ciphertext.subarray(0, ciphertext.length - tagBytes);
  const tag = ciphertext.subarray(ciphertext.length - tagBytes);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    // GCM's update() returns the whole plaintext and final() only checks the tag, so there
    // is exactly one plaintext buffer, and none is left behind when the tag fails.
    const plain = decipher.update(body);
    try {
      decipher.final();
    } catch {
      plain.fill(0);
      return null;
    }
    return plain;
  } catch {
    return null;
  }
}
