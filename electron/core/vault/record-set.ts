import { createCipheriv, hash } from 'node:crypto';
import { encodeFields } from '../crypto/bytes.ts';
import { hmacSha256 } from '../crypto/subkeys.ts';

// The record set: a keyed accumulator over the address (collection, id, version) of every
// record, stored in the header and bound into the audit checkpoint. A record removed,
// added or rolled back to an older (internally valid) version changes it.
//
// It is the XOR of one 32-byte pseudorandom element per record (a keyed MSet-XOR hash). An
// element is the SHA-256 of the encoded address, encrypted with AES-256-ECB under the
// record-set key: distinct addresses have distinct digests, and AES under a secret key is a
// pseudorandom permutation of them. One cipher object serves a whole batch, which is what
// keeps verifying 100,000 records at unlock to a fraction of a second.

export const RECORD_SET_BYTES = 32;

export interface RecordAddress {
  collection: string;
  recordId: string;
  version: number;
}

/** The accumulator of a vault with no records: a keyed constant, not zeros. */
export function emptyRecordSet(key: Uint8Array, vaultId: Uint8Array): Buffer {
  return hmacSha256(key, encodeFields('keywarden/v1/record-set-empty', vaultId));
}

/**
 * XORs the elements of every address into `set`, in place. Throws RangeError for a version
 * that is not a non-negative integer (callers validate first).
 */
export function toggleRecords(
  set: Buffer,
  key: Uint8Array,
  addresses: Iterable<RecordAddress>,
): void {
  const digests: Buffer[] = [];
  for (const address of addresses) {
    const encoded = encodeFields(
      'keywarden/v1/record-set-element',
      address.collection,
      address.recordId,
      address.version,
    );
    digests.push(hash('sha256', encoded, 'buffer'));
  }
  if (digests.length === 0) return;
  const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  const elements = Buffer.concat([cipher.update(Buffer.concat(digests)), cipher.final()]);
  for (let offset = 0; offset < elements.length; offset += RECORD_SET_BYTES) {
    for (let i = 0; i < RECORD_SET_BYTES; i += 1) {
      set[i] = (set[i] ?? 0) ^ (elements[offset + i] ?? 0);
    }
  }
}
