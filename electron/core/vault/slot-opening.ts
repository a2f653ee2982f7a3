import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { openKeychainSlots } from './keychain-slots.ts';
import { parseRecoveryKey } from './recovery-key.ts';
import { deriveRecoveryKek, openSlot, SlotKind } from './unlock-slots.ts';
import type { PassphraseSlotParams, RecoverySlotParams, SlotRow } from './unlock-slots.ts';
import {
  coverage,
  missingFactors,
  POLICY_SLOT_KINDS,
  policyKek,
  policyParamsAreValid,
} from './policy-slots.ts';
import type { PolicySlotParams } from './policy-slots.ts';
import { FactorAttempts } from './factor-attempts.ts';
import { isKeywardenCode, WRONG_FACTOR_CODES } from './factors.ts';
import type { FactorDevices, OfferedFactor, PassphraseFactorParams } from './factor-types.ts';

// Which slot the offered factors open. Every slot the offers can serve is a candidate; those
// that need more factors are tried first (a person who offers a passphrase and the TPM means
// the slot that needs both). The first that opens wins. When none does, the error that says
// most is raised: a wrong factor before a missing device, before "no such slot".

function tampered(slot: SlotRow): KeywardenError {
  return new KeywardenError(
    ErrorCode.VAULT_HEADER_TAMPERED,
    `Unlock slot #${slot.slot_id} has impossible parameters: the header was altered outside Keywarden. Restore it from a backup.`,
  );
}

function policyParams(slot: SlotRow): PolicySlotParams {
  let params: unknown;
  try {
    params = JSON.parse(slot.params);
  } catch {
    throw tampered(slot);
  }
  if (!policyParamsAreValid(slot.kind, params)) throw tampered(slot);
  return params;
}

/** How many factors a slot needs, or 0 when the offers cannot serve it. */
function demand(slot: SlotRow, attempts: FactorAttempts): number {
  if (POLICY_SLOT_KINDS.has(slot.kind)) {
    const { served, needed } = coverage(policyParams(slot), attempts);
    return served >= needed ? needed : 0;
  }
  return attempts.offered.some((offer) => offer.kind === slot.kind) ? 1 : 0;
}

function wrongFactorError(slot: SlotRow): KeywardenError {
  switch (slot.kind) {
    case SlotKind.PASSPHRASE:
      return new KeywardenError(
        ErrorCode.PASSPHRASE_INCORRECT,
        'The passphrase is incorrect. The attempt was recorded in the audit log.',
      );
    case SlotKind.RECOVERY_KEY:
      return new KeywardenError(
        ErrorCode.RECOVERY_KEY_INCORRECT,
        'The recovery key does not open this vault. The attempt was recorded in the audit log.',
      );
    default:
      return new KeywardenError(
        ErrorCode.FACTOR_INCORRECT,
        `The factors offered do not open slot #${slot.slot_id}: one of them is not the one enrolled (another passphrase, token or key). The attempt was recorded in the audit log.`,
      );
  }
}

/** Opens one candidate slot; null when its factors were all there but it did not open. */
async function openOne(
  slot: SlotRow,
  vaultId: Uint8Array,
  attempts: FactorAttempts,
  devices: FactorDevices,
): Promise<Buffer | null> {
  const offers = attempts.offered;
  if (POLICY_SLOT_KINDS.has(slot.kind)) {
    const params = policyParams(slot);
    const kek = await policyKek(slot.slot_id, params, attempts);
    try {
      return await openSlot(slot, vaultId, () => kek);
    } finally {
      zeroize(kek);
    }
  }
  if (slot.kind === SlotKind.KEYCHAIN)
    return (await openKeychainSlots([slot], vaultId, devices.keychain)).vmk;
  if (slot.kind === SlotKind.RECOVERY_KEY) {
    for (const offer of offers) {
      if (offer.kind !== 'recovery-key') continue;
      const typed = offer.recoveryKey;
      // Decoded from a view of the caller's bytes: no copy of the key is left behind.
      const secret = parseRecoveryKey(
        Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('latin1'),
      );
      try {
        const vmk = await openSlot(slot, vaultId, (params) =>
          deriveRecoveryKek(secret, params as RecoverySlotParams),
        );
        if (vmk) return vmk;
      } finally {
        zeroize(secret);
      }
    }
    return null;
  }
  if (slot.kind === SlotKind.PASSPHRASE) {
    // A passphrase slot's KEK is the Argon2id output itself, which the passphrase factor
    // computes too: one stretch serves this slot and any combined slot with the same params.
    for (const [index, offer] of offers.entries()) {
      if (offer.kind !== 'passphrase') continue;
      const vmk = await openSlot(slot, vaultId, async (params) => {
        const { memoryKiB, iterations, parallelism, salt } = params as PassphraseSlotParams;
        const factor: PassphraseFactorParams = {
          kind: 'passphrase',
          memoryKiB,
          iterations,
          parallelism,
          salt,
        };
        return Buffer.from(await attempts.secret(factor, index));
      });
      if (vmk) return vmk;
    }
    return null;
  }
  throw tampered(slot);
}

/**
 * The error that says most. The slots that use the most offered factors come first (they were
 * tried first); among those, a wrong factor, then anything but "no slot", then the first.
 */
function mostTelling(failures: Array<{ needs: number; error: KeywardenError }>): KeywardenError {
  const top = failures[0]!.needs;
  const errors = failures.filter((f) => f.needs === top).map((f) => f.error);
  return (
    errors.find((error) => isKeywardenCode(error, WRONG_FACTOR_CODES)) ??
    errors.find((error) => error.code !== ErrorCode.SLOT_NOT_FOUND) ??
    errors[0]!
  );
}

/** Adds to a wrong-factor error what a slot the offers only partly served still needs. */
function withPartialHint(
  error: KeywardenError,
  slots: SlotRow[],
  attempts: FactorAttempts,
): KeywardenError {
  for (const slot of slots) {
    if (!POLICY_SLOT_KINDS.has(slot.kind)) continue;
    const params = policyParams(slot);
    const { served, needed } = coverage(params, attempts);
    if (served > 0 && served < needed) {
      const more = missingFactors(slot.slot_id, params, attempts).message;
      return new KeywardenError(error.code, `${error.message} ${more}`);
    }
  }
  return error;
}

/** Says why no slot can even be tried with these offers. */
function nothingFits(slots: SlotRow[], attempts: FactorAttempts): KeywardenError {
  for (const slot of slots) {
    if (!POLICY_SLOT_KINDS.has(slot.kind)) continue;
    const params = policyParams(slot);
    if (coverage(params, attempts).served > 0)
      return missingFactors(slot.slot_id, params, attempts);
  }
  const offers = [
    ...new Set(
      attempts.offered.map((offer) =>
        offer.kind === 'pkcs11' ? `token ${offer.serial}` : offer.kind,
      ),
    ),
  ].join(' + ');
  return new KeywardenError(
    ErrorCode.SLOT_NOT_FOUND,
    `This vault has no slot that ${offers} opens; unlock it with another factor ("keywarden slots list" shows them).`,
  );
}

/**
 * Opens the slot the offered factors open; returns the VMK (the caller zeroes it) and the slot.
 * Every secret recovered on the way is zeroed here. Throws SLOT_NOT_FOUND, FACTOR_MISSING,
 * QUORUM_NOT_MET, VAULT_HEADER_TAMPERED, and the factors' codes (PASSPHRASE_INCORRECT,
 * RECOVERY_KEY_INCORRECT, RECOVERY_KEY_MALFORMED, FACTOR_INCORRECT, the keychain, TPM, token
 * and PIN codes).
 */
export async function openWithOffers(
  slots: SlotRow[],
  vaultId: Uint8Array,
  offered: readonly OfferedFactor[],
  devices: FactorDevices,
): Promise<{ vmk: Buffer; slot: SlotRow }> {
  const attempts = new FactorAttempts(devices, offered);
  try {
    const candidates = slots
      .map((slot) => ({ slot, needs: demand(slot, attempts) }))
      .filter((candidate) => candidate.needs > 0)
      .sort((a, b) => b.needs - a.needs || a.slot.slot_id - b.slot.slot_id);
    if (candidates.length === 0) throw nothingFits(slots, attempts);
    const failures: Array<{ needs: number; error: KeywardenError }> = [];
    for (const { slot, needs } of candidates) {
      try {
        const vmk = await openOne(slot, vaultId, attempts, devices);
        if (vmk) return { vmk, slot };
        failures.push({ needs, error: wrongFactorError(slot) });
      } catch (error) {
        if (!(error instanceof KeywardenError) || error.code === ErrorCode.VAULT_HEADER_TAMPERED)
          throw error;
        failures.push({ needs, error });
      }
    }
    throw withPartialHint(mostTelling(failures), slots, attempts);
  } finally {
    attempts.clear();
  }
}
