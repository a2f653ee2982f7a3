import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import { deriveKeychainKek, newKeychainParams, openSlot, SlotKind } from './unlock-slots.ts';
import type { KeychainSlotParams, SlotRow } from './unlock-slots.ts';
import type { UnlockedVault } from './unlocked-vault.ts';
import type { SealedRef, Sealer } from '../../../native/keychain/sealer.ts';

// The OS keychain slot: a random 32-byte secret kept by the OS keychain (the Sealer), turned
// into the slot's KEK with HKDF-SHA-256. The vault file holds only the salt, the keeper's name
// and the reference that finds the secret again. Every secret and KEK is zeroed in the
// function that holds it.

export const KEYCHAIN_SECRET_BYTES = 32;

function sealerOf(slot: SlotRow): unknown {
  try {
    return (JSON.parse(slot.params) as Partial<KeychainSlotParams>).sealer;
  } catch {
    return undefined;
  }
}

/**
 * Opens the first of `slots` that `sealer` keeps the secret of; returns the VMK (the caller
 * zeroes it) and the slot. Throws SLOT_NOT_FOUND (no keychain slot this keeper made),
 * KEYCHAIN_UNAVAILABLE, KEYCHAIN_SECRET_MISSING (every item is gone), KEYCHAIN_SECRET_INCORRECT
 * (an item is there but its secret no longer opens the slot), VAULT_HEADER_TAMPERED.
 */
export async function openKeychainSlots(
  slots: SlotRow[],
  vaultId: Uint8Array,
  sealer: Sealer,
): Promise<{ vmk: Buffer; slot: SlotRow }> {
  // A slot whose parameters do not parse is tried too, so that openSlot reports the tampering.
  const candidates = slots.filter(
    (slot) =>
      slot.kind === SlotKind.KEYCHAIN &&
      (sealerOf(slot) === sealer.kind || typeof sealerOf(slot) !== 'string'),
  );
  if (candidates.length === 0) {
    throw new KeywardenError(
      ErrorCode.SLOT_NOT_FOUND,
      `This vault has no keychain slot made by this program's keychain (${sealer.kind}); a slot added by the app or on another machine opens only there. Unlock with another factor.`,
    );
  }
  let missing: KeywardenError | null = null;
  let wrong = false;
  for (const slot of candidates) {
    try {
      const vmk = await openSlot(slot, vaultId, async (params) => {
        const keychainParams = params as KeychainSlotParams;
        const secret = await sealer.unseal(keychainParams.ref);
        try {
          return deriveKeychainKek(secret, keychainParams);
        } finally {
          zeroize(secret);
        }
      });
      if (vmk) return { vmk, slot };
      wrong = true;
    } catch (error) {
      if (error instanceof KeywardenError && error.code === ErrorCode.KEYCHAIN_SECRET_MISSING) {
        missing = error;
        continue;
      }
      throw error;
    }
  }
  if (missing && !wrong) throw missing;
  throw new KeywardenError(
    ErrorCode.KEYCHAIN_SECRET_INCORRECT,
    'The secret the OS keychain holds for this vault no longer opens its keychain slot (the item was replaced or deleted). Unlock with another factor, then remove the keychain slot and add it again. The attempt was recorded in the audit log.',
  );
}

/**
 * Adds a keychain slot: a new random secret is handed to `sealer`, and the VMK is wrapped
 * under the KEK derived from it. Audited; when the slot cannot be written the keychain item
 * is deleted again. Throws KEYCHAIN_UNAVAILABLE, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function addKeychainSlot(
  vault: UnlockedVault,
  sealer: Sealer,
  actor: string,
  name?: string,
): Promise<{ slotId: number; sealer: string }> {
  const event = {
    actor,
    action: 'keychain.add',
    target: vault.path,
    outcome: Outcome.SUCCESS,
    detail: { sealer: sealer.kind },
  };
  const secret = randomBytes(KEYCHAIN_SECRET_BYTES);
  let kek: Buffer | null = null;
  try {
    let ref: SealedRef;
    try {
      ref = await sealer.seal(secret);
    } catch (error) {
      vault.recordFailure(event, error);
      throw error;
    }
    const params = newKeychainParams(sealer.kind, ref);
    const wrapKey = deriveKeychainKek(secret, params);
    kek = wrapKey;
    try {
      const slotId = vault.editSlots(event, (slots) =>
        slots.insert(SlotKind.KEYCHAIN, params, wrapKey, name ?? null),
      );
      return { slotId, sealer: sealer.kind };
    } catch (error) {
      // No slot names the item: it would only be clutter in the keychain.
      await sealer.forget(ref).catch(() => false);
      throw error;
    }
  } finally {
    zeroize(secret, kek);
  }
}
