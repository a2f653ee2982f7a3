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

/** The KEK version a data key is wrapped under, checked fit to wrap or unwrap. */
function kekFor(records: RecordStore, id: string, use: 'wrap' | 'unwrap'): KeyView {
  const kek = readKey(records, id);
  if (kek.algorithm !== 'aes256' || !kek.purposes.includes(use)) {
    throw new KeywardenError(
      ErrorCode.KEY_PURPOSE_MISMATCH,
      `Key ${id} is not an AES-256 key for ${use}; it cannot hold data keys.`,
    );
  }
  requireStateAllows(kek.state, use);
  return kek;
}

/**
 * The plain material of a vault-held key (PKCS#8 DER or the raw secret), unwrapped from its
 * KEK when it has one. The caller zeroes it. Throws KEY_NOT_HELD, KEY_NOT_FOUND (KEK gone),
 * KEY_STATE_INVALID (KEK destroyed), RECORD_TAMPERED.
 */
export function readKeyMaterial(records: RecordStore, key: KeyView): Buffer {
  requireHeld(key);
  const body = records.readBody(KEYS, key.id);
  if (key.wrappedBy === null) return body;
  kekFor(records, key.wrappedBy, 'unwrap');
  const kek = records.readBody(KEYS, key.wrappedBy);
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
  kekFor(records, key.wrappedBy, 'wrap');
  const kek = records.readBody(KEYS, key.wrappedBy);
  try {
    records.put(KEYS, key.id, { ...key }, kwpWrap(kek, material));
  } finally {
    zeroize(kek);
  }
}
