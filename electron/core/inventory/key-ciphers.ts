import {
  constants,
  createHmac,
  createPrivateKey,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { equalBytes } from '../crypto/bytes.ts';
import { kwpUnwrap, kwpWrap } from '../crypto/key-wrap.ts';
import { open, seal } from '../crypto/aead.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { readKey, requireOperator } from './key-inventory.ts';
import { requirePurpose, withKeyMaterial } from './key-operations.ts';
import { requireStateAllows } from './key-states.ts';
import { publicKeyObject } from './public-key-formats.ts';

// Encryption, key wrapping and MACs with keys held in the vault:
// - AES-256-GCM: nonce (12 bytes) || ciphertext || tag (16 bytes), with optional AAD;
// - RSA-OAEP with SHA-256 (and MGF1-SHA-256), as `openssl pkeyutl -pkeyopt
//   rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256` reads and writes it;
// - AES Key Wrap with Padding (RFC 5649) under AES-256;
// - HMAC-SHA-256, verified in constant time.
// Every use is audited with the byte count only, never the data.

const RSA_ALGORITHMS: ReadonlySet<string> = new Set(['rsa2048', 'rsa3072', 'rsa4096']);
/** RSA-OAEP with SHA-256 (Node uses the OAEP hash for MGF1 too). */
const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;
const MAX_KWP_BYTES = 64 * 1024;

function refuseAlgorithm(key: KeyView, what: string): never {
  throw new KeywardenError(
    ErrorCode.KEY_PURPOSE_MISMATCH,
    `An ${key.algorithm} key cannot ${what}.`,
  );
}

const event = (actor: string, action: string, id: string, bytes: number) => ({
  actor,
  action,
  target: id,
  outcome: Outcome.SUCCESS,
  detail: { bytes },
});

/**
 * Encrypts: AES-256-GCM for an AES key (with `aad`), RSA-OAEP-SHA-256 for an RSA key (which
 * needs only the public key). Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID
 * (only an active key encrypts), BAD_REQUEST (too long for RSA-OAEP), PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function encryptWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  plaintext: Uint8Array,
  aad: Uint8Array = Buffer.alloc(0),
): Buffer {
  return withKeyMaterial(
    vault,
    actor,
    id,
    'encrypt',
    event(actor, 'key.encrypt', id, plaintext.length),
    (key, material) => {
      if (key.algorithm === 'aes256') {
        const sealed = seal(material, plaintext, aad);
        return Buffer.concat([sealed.nonce, sealed.ciphertext]);
      }
      if (!RSA_ALGORITHMS.has(key.algorithm)) refuseAlgorithm(key, 'encrypt');
      try {
        return publicEncrypt({ key: publicKeyObject(key.publicKey ?? ''), ...OAEP }, plaintext);
      } catch {
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          `The data is too long for RSA-OAEP with this ${key.sizeBits}-bit key; wrap a data key instead.`,
        );
      }
    },
    (key) => RSA_ALGORITHMS.has(key.algorithm),
  );
}

/**
 * Decrypts what encryptWithKey (or OpenSSL, for RSA-OAEP) produced. Throws as
 * encryptWithKey, and DECRYPTION_FAILED when the ciphertext does not authenticate or
 * decrypt; a deactivated key still decrypts.
 */
export function decryptWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  ciphertext: Uint8Array,
  aad: Uint8Array = Buffer.alloc(0),
): Buffer {
  return withKeyMaterial(
    vault,
    actor,
    id,
    'decrypt',
    event(actor, 'key.decrypt', id, ciphertext.length),
    (key, material) => {
      const failed = () =>
        new KeywardenError(
          ErrorCode.DECRYPTION_FAILED,
          'The ciphertext does not decrypt with this key (wrong key, or altered data).',
        );
      if (key.algorithm === 'aes256') {
        const plain = open(material, ciphertext.subarray(0, 12), ciphertext.subarray(12), aad);
        if (!plain) throw failed();
        return plain;
      }
      if (!RSA_ALGORITHMS.has(key.algorithm)) refuseAlgorithm(key, 'decrypt');
      try {
        const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
        return privateDecrypt({ key: privateKey, ...OAEP }, ciphertext);
      } catch {
        throw failed();
      }
    },
  );
}

/**
 * Wraps key material with AES Key Wrap with Padding (RFC 5649) under an AES-256 key.
 * Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID, BAD_REQUEST (empty or over
 * 64 KiB), PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function wrapWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  keyToWrap: Uint8Array,
): Buffer {
  if (keyToWrap.length === 0 || keyToWrap.length > MAX_KWP_BYTES) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `Key wrap takes 1 byte to ${MAX_KWP_BYTES / 1024} KiB of key material.`,
    );
  }
  return withKeyMaterial(
    vault,
    actor,
    id,
    'wrap',
    event(actor, 'key.wrap', id, keyToWrap.length),
    (key, material) => {
      if (key.algorithm !== 'aes256') refuseAlgorithm(key, 'wrap');
      return kwpWrap(material, keyToWrap);
    },
  );
}

/** Unwraps RFC 5649 output. Throws as wrapWithKey, and DECRYPTION_FAILED when the integrity check fails. */
export function unwrapWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  wrapped: Uint8Array,
): Buffer {
  return withKeyMaterial(
    vault,
    actor,
    id,
    'unwrap',
    event(actor, 'key.unwrap', id, wrapped.length),
    (key, material) => {
      if (key.algorithm !== 'aes256') refuseAlgorithm(key, 'unwrap');
      const unwrapped = kwpUnwrap(material, wrapped);
      if (!unwrapped) {
        throw new KeywardenError(
          ErrorCode.DECRYPTION_FAILED,
          'The wrapped key fails its integrity check (wrong key, or altered data).',
        );
      }
      return unwrapped;
    },
  );
}

/** HMAC-SHA-256 of `data` with an HMAC key. Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED. */
export function macWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  data: Uint8Array,
): Buffer {
  return withKeyMaterial(
    vault,
    actor,
    id,
    'mac',
    event(actor, 'key.mac', id, data.length),
    (key, material) => {
      if (key.algorithm !== 'hmac-sha256') refuseAlgorithm(key, 'compute an HMAC');
      return createHmac('sha256', material).update(data).digest();
    },
  );
}

/**
 * Checks an HMAC-SHA-256 tag in constant time; a deactivated key still verifies. Throws as
 * macWithKey.
 */
export function verifyMacWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  data: Uint8Array,
  tag: Uint8Array,
): boolean {
  const key = vault.query((records) => {
    requireOperator(records, actor);
    return readKey(records, id);
  });
  requirePurpose(key, 'mac', 'verify');
  requireStateAllows(key.state, 'verify');
  // The check needs the secret, so it runs like a use of the key, but as a verification.
  return withKeyMaterial(
    vault,
    actor,
    id,
    key.purposes.includes('verify') ? 'verify' : 'mac',
    event(actor, 'key.mac-verify', id, data.length),
    (k, material) => {
      if (k.algorithm !== 'hmac-sha256') refuseAlgorithm(k, 'verify an HMAC');
      return equalBytes(createHmac('sha256', material).update(data).digest(), tag);
    },
  );
}
