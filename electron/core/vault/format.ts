import { encodeFields } from '../crypto/bytes.ts';

// Constants of the file format and the AAD of every sealed value. Each AAD starts with a
// label of its own, so a ciphertext sealed for one place never opens in another.

/** SQLite `application_id` of a Keywarden vault: "KWDN". */
export const APPLICATION_ID = 0x4b57444e;

export const VAULT_ID_BYTES = 16;
export const VMK_BYTES = 32;

/** The AAD of an unlock slot: binds vault, slot id, slot kind and the slot's public parameters. */
export function slotAad(vaultId: Uint8Array, slotId: number, kind: string, params: string): Buffer {
  return encodeFields('keywarden/v1/slot', vaultId, slotId, kind, params);
}

export type RecordPart = 'meta' | 'dek' | 'body' | 'tombstone';

/** The AAD of one part of a record: binds vault, table (collection), record id and version. */
export function recordAad(
  part: RecordPart,
  vaultId: Uint8Array,
  collection: string,
  recordId: string,
  version: number,
): Buffer {
  return encodeFields(`keywarden/v1/record-${part}`, vaultId, collection, recordId, version);
}
