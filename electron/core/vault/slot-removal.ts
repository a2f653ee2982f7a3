import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { Outcome } from '../audit/audit-log.ts';
import { SlotKind } from './unlock-slots.ts';
import type { KeychainSlotParams, SlotRow } from './unlock-slots.ts';
import { POLICY_SLOT_KINDS, policyParamsAreValid } from './policy-slots.ts';
import type { UnlockedVault } from './unlocked-vault.ts';
import type { SlotRemoval } from '../../shared/vault-types.ts';
import type { SealedRef, Sealer } from '../../../native/keychain/sealer.ts';

// Removing an unlock slot: the slot row goes (no record is touched) and the header MAC is
// rewritten, in one audited transaction. The last slot is never removed: without one, nothing
// opens the vault again.

/**
 * Removes slot `slotId`. A keychain slot's item is then deleted from the keychain when
 * `sealer` is its keeper (best effort: the slot is gone either way, and the item alone opens
 * nothing). Throws SLOT_NOT_FOUND, SLOT_LAST_REMAINING, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function removeSlot(
  vault: UnlockedVault,
  sealer: Sealer,
  actor: string,
  slotId: number,
): Promise<SlotRemoval> {
  const kind = vault.header().slots.find((slot) => slot.slotId === slotId)?.kind;
  const event = {
    actor,
    action: 'slot.remove',
    target: vault.path,
    outcome: Outcome.SUCCESS,
    detail: { slot: slotId, ...(kind ? { kind } : {}) },
  };
  const removed = vault.editSlots(event, (slots) => {
    const all = slots.list();
    const row = all.find((slot) => slot.slot_id === slotId);
    if (!row) {
      throw new KeywardenError(
        ErrorCode.SLOT_NOT_FOUND,
        `This vault has no unlock slot #${slotId}; "keywarden slots list" shows them.`,
      );
    }
    if (all.length === 1) {
      throw new KeywardenError(
        ErrorCode.SLOT_LAST_REMAINING,
        `Slot #${slotId} is the vault's only unlock slot: without it nothing opens the vault. Add another slot first.`,
      );
    }
    if (!all.some((slot) => slot.slot_id !== slotId && vault.isWorking(slot.slot_id))) {
      throw new KeywardenError(
        ErrorCode.SLOT_LAST_WORKING,
        `Removing slot #${slotId} would leave only slots not seen to open this vault in this session (a device may be gone, a keychain item deleted). Unlock with one of the others, or offer its factors with the request, then remove #${slotId}.`,
      );
    }
    slots.remove(slotId);
    return row;
  });
  const result: SlotRemoval = { slotId, kind: removed.kind };
  const items = keychainItems(removed);
  if (items.length > 0) {
    result.keychainItemDeleted = false;
    for (const item of items) {
      try {
        if (item.sealer === sealer.kind && (await sealer.forget(item.ref)))
          result.keychainItemDeleted = true;
      } catch {
        // The keychain is unreachable: the item stays behind, useless without the slot.
      }
    }
  }
  return result;
}

/** The keychain items a slot names: its own (a keychain slot) or its keychain factors'. */
function keychainItems(slot: SlotRow): Array<{ sealer: string; ref: SealedRef }> {
  let params: unknown;
  try {
    params = JSON.parse(slot.params);
  } catch {
    return [];
  }
  if (slot.kind === SlotKind.KEYCHAIN) {
    const own = params as Partial<KeychainSlotParams>;
    return own.sealer && own.ref ? [{ sealer: own.sealer, ref: own.ref }] : [];
  }
  if (!POLICY_SLOT_KINDS.has(slot.kind) || !policyParamsAreValid(slot.kind, params)) return [];
  return params.factors.flatMap((factor) =>
    factor.kind === 'keychain' ? [{ sealer: factor.sealer, ref: factor.ref }] : [],
  );
}
