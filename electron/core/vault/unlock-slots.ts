import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { encodeFields, zeroize } from '../crypto/bytes.ts';
import { hkdfSha256, hmacSha256 } from '../crypto/subkeys.ts';
import { open, seal } from '../crypto/aead.ts';
import { slotAad } from './format.ts';
import { storedParamsAreValid } from './kdf-params.ts';
import type { Argon2id, Argon2idParams } from '../../../native/kdf/kdf.ts';
import type { SealedRef } from '../../../native/keychain/sealer.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// Unlock slots, as LUKS2 key slots: each wraps the vault master key (VMK) under a
// key-encryption key (KEK) of its own with AES-256-GCM. Adding or removing a slot never
// touches records. Every KEK lives only inside the function that derives it and is zeroed
// before the function returns.

export const SlotKind = {
  PASSPHRASE: 'passphrase',
  RECOVERY_KEY: 'recovery-key',
  KEYCHAIN: 'keychain',
} as const;
export type SlotKind = (typeof SlotKind)[keyof typeof SlotKind];

export interface SlotRow {
  slot_id: number;
  kind: string;
  params: string;
  nonce: Buffer;
  wrapped_vmk: Buffer;
  created_at: string;
  /** A name people gave the slot ("officer A's card"); null when none. */
  name: string | null;
}

export interface PassphraseSlotParams extends Argon2idParams {
  kdf: 'argon2id';
  salt: string;
}

export interface RecoverySlotParams {
  kdf: 'hkdf-sha256';
  salt: string;
}

/**
 * A keychain slot: the KEK is HKDF-SHA-256 of a random 32-byte secret that the OS keychain
 * keeps. `sealer` names the keeper and `ref` finds the secret there; neither is secret.
 */
export interface KeychainSlotParams {
  kdf: 'hkdf-sha256';
  salt: string;
  sealer: string;
  ref: SealedRef;
}

export type SlotParams = PassphraseSlotParams | RecoverySlotParams | KeychainSlotParams;

export const MIN_PASSPHRASE_CHARS = 8;

/** Checks a new passphrase (UTF-8 bytes). Throws PASSPHRASE_TOO_SHORT. */
export function validateNewPassphrase(passphrase: Uint8Array): void {
  const chars = [
    ...Buffer.from(passphrase.buffer, passphrase.byteOffset, passphrase.byteLength).toString(
      'utf8',
    ),
  ].length;
  if (chars < MIN_PASSPHRASE_CHARS) {
    throw new KeywardenError(
      ErrorCode.PASSPHRASE_TOO_SHORT,
      `A vault passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters; a long phrase of several words is best.`,
    );
  }
}

function isWellFormed(row: SlotRow): boolean {
  return (
    Number.isSafeInteger(row.slot_id) &&
    row.slot_id >= 1 &&
    typeof row.kind === 'string' &&
    typeof row.params === 'string' &&
    typeof row.created_at === 'string' &&
    (row.name === null || typeof row.name === 'string') &&
    row.nonce instanceof Uint8Array &&
    row.wrapped_vmk instanceof Uint8Array
  );
}

/** Reads the slots in id order. Throws VAULT_HEADER_TAMPERED for a malformed row. */
export function readSlots(db: SqlConnection): SlotRow[] {
  const rows = db.prepare<SlotRow>('SELECT * FROM unlock_slots ORDER BY slot_id').all();
  if (!rows.every(isWellFormed)) {
    throw new KeywardenError(
      ErrorCode.VAULT_HEADER_TAMPERED,
      `An unlock slot of ${db.path} is malformed: the header was altered outside Keywarden. Restore it from a backup.`,
    );
  }
  return rows;
}

export function parseParams<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Derives a passphrase slot's KEK with Argon2id; the caller zeroes the result. */
export async function derivePassphraseKek(
  argon2: Argon2id,
  passphrase: Uint8Array,
  params: PassphraseSlotParams,
): Promise<Buffer> {
  return argon2.derive({
    password: passphrase,
    salt: Buffer.from(params.salt, 'base64'),
    memoryKiB: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: 32,
  });
}

/** Derives a recovery slot's KEK: the key has 160 random bits, so HKDF suffices. */
export function deriveRecoveryKek(secret: Uint8Array, params: RecoverySlotParams): Buffer {
  return hkdfSha256(secret, Buffer.from(params.salt, 'base64'), 'keywarden/v1/recovery-slot', 32);
}

/** Derives a keychain slot's KEK from its 32-byte secret; the caller zeroes the result. */
export function deriveKeychainKek(secret: Uint8Array, params: KeychainSlotParams): Buffer {
  return hkdfSha256(secret, Buffer.from(params.salt, 'base64'), 'keywarden/v1/keychain-slot', 32);
}

/** New public parameters for a keychain slot: a fresh random salt, the keeper and its reference. */
export function newKeychainParams(sealer: string, ref: SealedRef): KeychainSlotParams {
  return { kdf: 'hkdf-sha256', salt: randomBytes(16).toString('base64'), sealer, ref };
}

function keychainParamsAreValid(params: KeychainSlotParams): boolean {
  const ref: unknown = params.ref;
  return (
    params.kdf === 'hkdf-sha256' &&
    typeof params.sealer === 'string' &&
    typeof ref === 'object' &&
    ref !== null &&
    !Array.isArray(ref) &&
    Object.values(ref).every((value) => typeof value === 'string')
  );
}

/** New public parameters for a passphrase slot, with a fresh random salt. */
export function newPassphraseParams(kdf: Argon2idParams): PassphraseSlotParams {
  return { kdf: 'argon2id', ...kdf, salt: randomBytes(16).toString('base64') };
}

/** New public parameters for a recovery slot, with a fresh random salt. */
export function newRecoveryParams(): RecoverySlotParams {
  return { kdf: 'hkdf-sha256', salt: randomBytes(16).toString('base64') };
}

/** Inserts a slot that wraps `vmk` under `kek`; returns its id. Neither key is kept. */
export function insertSlot(
  db: SqlConnection,
  vaultId: Uint8Array,
  kind: string,
  params: SlotParams,
  kek: Uint8Array,
  vmk: Uint8Array,
  createdAt: string,
  name: string | null = null,
): number {
  const slotId = Number(
    db
      .prepare<{ next: number }>('SELECT coalesce(max(slot_id), 0) + 1 AS next FROM unlock_slots')
      .get()?.next ?? 1,
  );
  const paramsText = JSON.stringify(params);
  const sealed = seal(kek, vmk, slotAad(vaultId, slotId, kind, paramsText));
  db.prepare(
    'INSERT INTO unlock_slots (slot_id, kind, params, nonce, wrapped_vmk, created_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(slotId, kind, paramsText, sealed.nonce, sealed.ciphertext, createdAt, name);
  return slotId;
}

/**
 * Tries to open one slot with a KEK-deriving function. Returns the VMK (the caller zeroes
 * it) or null when the factor is wrong. Stored parameters that are out of range or
 * unreadable are refused before any derivation (a tampered slot must not make us allocate
 * 100 GiB): throws VAULT_HEADER_TAMPERED.
 */
export async function openSlot(
  row: SlotRow,
  vaultId: Uint8Array,
  deriveKek: (params: SlotParams) => Promise<Buffer> | Buffer,
): Promise<Buffer | null> {
  const params = parseParams<SlotParams>(row.params);
  const valid =
    params !== null &&
    typeof params.salt === 'string' &&
    (row.kind !== SlotKind.PASSPHRASE ||
      (params.kdf === 'argon2id' && storedParamsAreValid(params))) &&
    (row.kind !== SlotKind.KEYCHAIN || keychainParamsAreValid(params as KeychainSlotParams));
  if (!valid) {
    throw new KeywardenError(
      ErrorCode.VAULT_HEADER_TAMPERED,
      `Unlock slot #${row.slot_id} has impossible parameters: the header was altered outside Keywarden. Restore it from a backup.`,
    );
  }
  const kek = await deriveKek(params);
  try {
    return open(
      kek,
      row.nonce,
      row.wrapped_vmk,
      slotAad(vaultId, row.slot_id, row.kind, row.params),
    );
  } finally {
    zeroize(kek);
  }
}

/**
 * The header MAC: binds the vault id, its creation time and every slot's id, kind,
 * parameters, wrapped key and creation time, so a slot removed, added or altered outside
 * Keywarden (or a date status shows) is detected after unlock.
 */
export function computeHeaderMac(
  headerKey: Uint8Array,
  vaultId: Uint8Array,
  createdAt: string,
  slots: SlotRow[],
): Buffer {
  const fields: Array<Uint8Array | string | number> = [
    'keywarden/v1/header',
    vaultId,
    createdAt,
    slots.length,
  ];
  for (const slot of slots) {
    fields.push(
      slot.slot_id,
      slot.kind,
      slot.params,
      slot.nonce,
      slot.wrapped_vmk,
      slot.created_at,
    );
    // A name is bound once set; slots that never had one keep the MAC of format 1.
    if (slot.name !== null) fields.push('name', slot.name);
  }
  return hmacSha256(headerKey, encodeFields(...fields));
}
