import { createHmac, hkdfSync } from 'node:crypto';

// Every key the vault uses is derived from the vault master key with HKDF-SHA-256 and a
// label of its own, so one purpose's key never serves another.

export const SubkeyLabel = {
  DEK_WRAP: 'keywarden/v1/dek-wrap',
  METADATA: 'keywarden/v1/record-metadata',
  RECORD_SET: 'keywarden/v1/record-set',
  HEADER_MAC: 'keywarden/v1/header-mac',
  AUDIT_CHECKPOINT: 'keywarden/v1/audit-checkpoint',
} as const;
export type SubkeyLabel = (typeof SubkeyLabel)[keyof typeof SubkeyLabel];

/** HKDF-SHA-256 (RFC 5869) into a new Buffer of `length` bytes; the caller zeroes it. */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array | string,
  length: number,
): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** A 32-byte subkey of the vault master key for one purpose, salted with the vault id. */
export function deriveSubkey(vmk: Uint8Array, vaultId: Uint8Array, label: SubkeyLabel): Buffer {
  return hkdfSha256(vmk, vaultId, label, 32);
}

/** HMAC-SHA-256 of the concatenated parts. */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}
