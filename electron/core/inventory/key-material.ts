import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { kwpUnwrap, kwpWrap } from '../crypto/key-wrap.ts';
import type { RecordStore } from '../vault/record-store.ts';
import { KEYS, readKey } from './key-inventory.ts';
import { requireStateAllows } from './key-states.ts';

// The key material of a vault-held key: the record's envelope-encrypted body, and for a data
// key held under a key-encryption key, that body is itself the RFC 5649 wrap of the material
// under the KEK version named in `wrappedBy`. Every buffer returned here is the caller's to
// zero.

/** Refuses a key whose material Keywarden does not hold. Throws KEY_NOT_HELD. */
export function requireHeld(key: KeyView): void {
  if (key.location.kind === 'token') {
    throw new KeywardenError(
      ErrorCode.KEY_NOT_HELD,
      `Key ${key.id} lives on token ${key.location.serial} (CKA_ID ${key.location.ckaId}); use it through the token.`,
    );
  }
  if (key.location.kind === 'external') {
    throw new KeywardenError(
      ErrorCode.KEY_NOT_HELD,
      `Key ${key.id} lives at ${key.location.reference}; Keywarden holds only its inventory entry.`,
    );
  }
  if (key.publicOnly) {
    throw new KeywardenError(
      ErrorCode.KEY_NOT_HELD,
      `Only the public key of ${key.id} is held; it verifies and encrypts but holds no private key.`,
    );
  }
}

/**
 * Whether data keys can be held under `key`: only an AES-256 key for wrapping ever wraps one
 * (purposes are never edited), so for any other key there is nothing to look for.
 */
export function canHoldDataKeys(key: KeyView): boolean {
  return key.algorithm === 'aes256' && key.purposes.includes('wrap');
}

/** Uses of a KEK: wrapping a new data key, unwrapping one, or rewrapping away from it. */
export type KekUse = 'wrap' | 'unwrap' | 'rewrap';

/**
 * The KEK version a data key is (to be) wrapped under, checked fit for `use`: an AES-256 key
 * for wrapping, held whole in the vault (not on a token, not itself under another KEK).
 * Rewrapping away from a compromised KEK is allowed: it is how its data keys are rescued.
 * Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH, KEY_NOT_HELD, KEY_STATE_INVALID.
 */
export function kekFor(records: RecordStore, id: string, use: KekUse): KeyView {
  const kek = readKey(records, id);
  const purpose = use === 'wrap' ? 'wrap' : 'unwrap';
  if (kek.algorithm !== 'aes256' || !kek.purposes.includes(purpose)) {
    throw new KeywardenError(
      ErrorCode.KEY_PURPOSE_MISMATCH,
      `Key ${id} is not an AES-256 key for ${purpose}; it cannot hold data keys.`,
    );
  }
  requireHeld(kek);
  if (kek.wrappedBy !== null) {
    throw new KeywardenError(
      ErrorCode.KEY_PURPOSE_MISMATCH,
      `Key ${id} is itself held under ${kek.wrappedBy}; a KEK holding data keys is held by the vault directly.`,
    );
  }
  if (!(use === 'rewrap' && kek.state === 'compromised')) requireStateAllows(kek.state, purpose);
  return kek;
}

/** A KEK's 32 key bytes; anything else means the record was altered. The caller zeroes them. */
function kekBytes(records: RecordStore, kek: KeyView): Buffer {
  const bytes = records.readBody(KEYS, kek.id);
  if (bytes.length !== 32) {
    zeroize(bytes);
    throw new KeywardenError(
      ErrorCode.RECORD_TAMPERED,
      `Key ${kek.id} does not hold a 256-bit key; the vault has been altered.`,
    );
  }
  return bytes;
}

/**
 * The plain material of a vault-held key (PKCS#8 DER or the raw secret), unwrapped from its
 * KEK when it has one (`use` 'rewrap' also opens one under a compromised KEK). The caller
 * zeroes it. Throws KEY_NOT_HELD, KEY_STATE_INVALID (destroyed, or the KEK cannot unwrap),
 * KEY_NOT_FOUND (KEK gone), KEY_PURPOSE_MISMATCH, RECORD_TAMPERED.
 */
export function readKeyMaterial(
  records: RecordStore,
  key: KeyView,
  use: 'use' | 'rewrap' = 'use',
): Buffer {
  requireHeld(key);
  if (key.state === 'destroyed' || key.state === 'destroyed-compromised') {
    throw new KeywardenError(
      ErrorCode.KEY_STATE_INVALID,
      `The key is ${key.state}: its material is gone; only its record remains.`,
    );
  }
  const body = records.readBody(KEYS, key.id);
  if (key.wrappedBy === null) return body;
  const kek = kekBytes(
    records,
    kekFor(records, key.wrappedBy, use === 'rewrap' ? 'rewrap' : 'unwrap'),
  );
  try {
    const material = kwpUnwrap(kek, body);
    if (!material) {
      throw new KeywardenError(
        ErrorCode.RECORD_TAMPERED,
        `Key ${key.id} does not unwrap under its KEK ${key.wrappedBy}; the vault has been altered.`,
      );
    }
    return material;
  } finally {
    zeroize(kek, body);
  }
}

/**
 * Writes `key`'s entry with `material` as its body, wrapped under `key.wrappedBy` when set
 * (the KEK must be active for wrap). Call inside a transaction; `material` stays the
 * caller's to zero. Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID.
 */
export function writeKeyMaterial(records: RecordStore, key: KeyView, material: Buffer): void {
  if (key.wrappedBy === null) {
    records.put(KEYS, key.id, { ...key }, material);
    return;
  }
  const kek = kekBytes(records, kekFor(records, key.wrappedBy, 'wrap'));
  try {
    records.put(KEYS, key.id, { ...key }, kwpWrap(kek, material));
  } finally {
    zeroize(kek);
  }
}
