import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import { KDF_DEFAULTS, resolveKdfParams } from './kdf-params.ts';
import type { CalibrationProgress, KdfChoice } from './kdf-params.ts';
import { generateRecoveryKey } from './recovery-key.ts';
import {
  deriveRecoveryKek,
  derivePassphraseKek,
  newPassphraseParams,
  newRecoveryParams,
  openSlot,
  SlotKind,
  validateNewPassphrase,
} from './unlock-slots.ts';
import type { PassphraseSlotParams, SlotParams } from './unlock-slots.ts';
import { summarizeSlot } from './slot-summary.ts';
import { confirmFresh, confirmRecentUnlock } from './slot-management.ts';
import type { SlotEditor, UnlockedVault } from './unlocked-vault.ts';
import type { UnlockFactor, VaultDeps } from './vault-file.ts';

// The passphrase and recovery-key slots of an unlocked vault: changing the passphrase,
// adding a recovery key, and re-authenticating with the passphrase before a sensitive
// operation. Each re-wraps the VMK only; no record is re-encrypted.

/**
 * Replaces the slots of `kind` (only slot `only` when given) with one wrapping the VMK under
 * `kek`, keeping the replaced slot's name; returns its id.
 */
function replaceSlots(
  slots: SlotEditor,
  kind: SlotKind,
  params: SlotParams,
  kek: Uint8Array,
  only?: number,
): number {
  const replaced = slots
    .list()
    .filter((s) => s.kind === kind && (only === undefined || s.slot_id === only));
  for (const slot of replaced) slots.remove(slot.slot_id);
  return slots.insert(kind, params, kek, replaced[0]?.name ?? null);
}

/**
 * Re-authentication for a sensitive operation (exporting a private key): checks that
 * `passphrase` opens one of the vault's passphrase slots, whoever unlocked it and however.
 * A wrong passphrase is audited as a failure of `action`. The derived keys are zeroed here;
 * the passphrase bytes are the caller's to zero. Throws PASSPHRASE_INCORRECT, SLOT_NOT_FOUND,
 * VAULT_HEADER_TAMPERED, VAULT_LOCKED.
 */
export async function reauthenticate(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  passphrase: Uint8Array,
  action: string,
): Promise<void> {
  const event = { actor, action, target: vault.path, outcome: Outcome.SUCCESS };
  try {
    const slots = vault.slotRows().filter((slot) => slot.kind === SlotKind.PASSPHRASE);
    if (slots.length === 0) {
      throw new KeywardenError(
        ErrorCode.SLOT_NOT_FOUND,
        'This vault has no passphrase slot to re-authenticate with.',
      );
    }
    for (const slot of slots) {
      const vmk = await openSlot(slot, vault.vaultId, (params) =>
        derivePassphraseKek(deps.argon2, passphrase, params as PassphraseSlotParams),
      );
      if (vmk) {
        zeroize(vmk);
        return;
      }
    }
    throw new KeywardenError(
      ErrorCode.PASSPHRASE_INCORRECT,
      'The vault passphrase is incorrect; re-authentication failed and nothing was exported.',
    );
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
}

/**
 * Replaces a passphrase slot with one for `newPassphrase`. The slot replaced is the one this
 * unlock opened, or the vault's only passphrase slot (a vault with several, unlocked by another
 * factor, is refused: which one is meant cannot be told). Without `kdf`, the current slot's
 * parameters are kept. Needs a fresh unlock. Throws REAUTH_REQUIRED, BAD_REQUEST,
 * PASSPHRASE_TOO_SHORT, KDF_PARAMS_INVALID, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function changePassphrase(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  change: {
    newPassphrase: Uint8Array;
    kdf: KdfChoice | null;
    onProgress?: ((progress: CalibrationProgress) => void) | undefined;
    reauth?: readonly UnlockFactor[] | undefined;
  },
): Promise<number> {
  const event = {
    actor,
    action: 'passphrase.change',
    target: vault.path,
    outcome: Outcome.SUCCESS,
  };
  await confirmFresh(vault, deps, actor, 'passphrase.change', change.reauth);
  let params: PassphraseSlotParams;
  let kek: Buffer;
  let target: number | undefined;
  try {
    validateNewPassphrase(change.newPassphrase);
    const passphraseSlots = vault.slotRows().filter((s) => s.kind === SlotKind.PASSPHRASE);
    const current =
      passphraseSlots.find((slot) => slot.slot_id === vault.openedSlotId) ??
      (passphraseSlots.length === 1 ? passphraseSlots[0] : undefined);
    if (!current && passphraseSlots.length > 1) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `This vault has ${passphraseSlots.length} passphrase slots; unlock with the passphrase to change (--unlock-slot N picks its slot) and try again.`,
      );
    }
    target = current?.slot_id;
    const kept = current ? summarizeSlot(current).kdf : undefined;
    const defaults: KdfChoice = { kind: 'calibrate', ...KDF_DEFAULTS };
    params = newPassphraseParams(
      change.kdf || !kept
        ? await resolveKdfParams(deps.argon2, change.kdf ?? defaults, change.onProgress)
        : kept,
    );
    kek = await derivePassphraseKek(deps.argon2, change.newPassphrase, params);
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  try {
    const detail = {
      memoryKiB: params.memoryKiB,
      iterations: params.iterations,
      parallelism: params.parallelism,
    };
    // No passphrase slot yet (a vault kept by devices alone): one is added.
    const only = target ?? -1;
    const slotId = vault.editSlots({ ...event, detail }, (slots) =>
      replaceSlots(slots, SlotKind.PASSPHRASE, params, kek, only),
    );
    vault.slotWorks(slotId, target);
    return slotId;
  } finally {
    zeroize(kek);
  }
}

/**
 * Adds a recovery-key slot and returns the key's text, to be shown once and never stored.
 * Refuses when one exists unless `replace`. Needs a recent unlock. Throws REAUTH_REQUIRED,
 * RECOVERY_KEY_EXISTS, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function addRecoveryKey(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  replace: boolean,
): { slotId: number; recoveryKey: string } {
  const event = {
    actor,
    action: 'recovery-key.add',
    target: vault.path,
    outcome: Outcome.SUCCESS,
    detail: { replace },
  };
  confirmRecentUnlock(vault, deps, actor, 'recovery-key.add');
  const added = vault.editSlots(event, (slots) => {
    if (!replace && slots.list().some((slot) => slot.kind === SlotKind.RECOVERY_KEY)) {
      throw new KeywardenError(
        ErrorCode.RECOVERY_KEY_EXISTS,
        'This vault already has a recovery key; pass --replace to replace it (the old key stops working).',
      );
    }
    const { secret, text } = generateRecoveryKey();
    const params = newRecoveryParams();
    const kek = deriveRecoveryKek(secret, params);
    try {
      return { slotId: replaceSlots(slots, SlotKind.RECOVERY_KEY, params, kek), recoveryKey: text };
    } finally {
      zeroize(secret, kek);
    }
  });
  vault.slotWorks(added.slotId);
  return added;
}
