import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { SlotAdded } from '../../shared/vault-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import { SlotKind } from './unlock-slots.ts';
import type { PassphraseSlotParams } from './unlock-slots.ts';
import type { CalibrationProgress } from './kdf-params.ts';
import { enrolPassphrase } from './factor-local.ts';
import { buildPolicySlot, policyKind } from './policy-slots.ts';
import { describeFactor } from './factors.ts';
import { openWithOffers } from './slot-opening.ts';
import { addKeychainSlot } from './keychain-slots.ts';
import type { FactorEnrolment, OfferedFactor } from './factor-types.ts';
import type { UnlockedVault } from './unlocked-vault.ts';
import type { VaultDeps } from './vault-file.ts';
import { isFreshlyAuthenticated } from './fresh-authentication.ts';

// Adding, naming and re-authenticating for slot changes. A slot change needs a fresh unlock:
// the vault was unlocked moments ago (REAUTH_WINDOW_MS), or the request brings factors that
// open a slot now. Every change is one audited transaction that rewrites the header MAC.

/** How long after an unlock a slot may be changed without offering a factor again. */
export const REAUTH_WINDOW_MS = 120_000;
export const MAX_SLOT_NAME_CHARS = 64;

export interface AddSlotRequest {
  factors: FactorEnrolment[];
  /** k of the factors open the slot (a quorum slot); absent: all of them. */
  threshold?: number;
  name?: string;
  /** Told how a lone passphrase's KDF calibration goes (the app shows it as progress). */
  onProgress?: (progress: CalibrationProgress) => void;
}

/**
 * Checks that the person changing slots has just proven a factor: `reauth` opens a slot of this
 * vault now, or the vault was unlocked within REAUTH_WINDOW_MS. A failure is audited as a
 * failure of `action`. Throws REAUTH_REQUIRED, FACTOR_INCORRECT and the unlock codes.
 */
export async function confirmFresh(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  action: string,
  reauth: readonly OfferedFactor[] | undefined,
): Promise<void> {
  const event = { actor, action, target: vault.path, outcome: Outcome.SUCCESS };
  try {
    if (reauth && reauth.length > 0) {
      const { vmk, slot } = await openWithOffers(vault.slotRows(), vault.vaultId, reauth, deps);
      try {
        if (!vault.holdsVmk(vmk)) {
          throw new KeywardenError(
            ErrorCode.FACTOR_INCORRECT,
            'The factors offered open another vault.',
          );
        }
      } finally {
        zeroize(vmk);
      }
      vault.slotWorks(slot.slot_id);
      return;
    }
    requireRecent(vault, deps);
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
}

function requireRecent(vault: UnlockedVault, deps: VaultDeps): void {
  if (deps.now().getTime() - vault.unlockedAt.getTime() > REAUTH_WINDOW_MS) {
    throw new KeywardenError(
      ErrorCode.REAUTH_REQUIRED,
      `Changing unlock slots needs a fresh unlock: the vault was unlocked more than ${REAUTH_WINDOW_MS / 60_000} minutes ago. Unlock it again.`,
    );
  }
}

/**
 * The synchronous form of confirmFresh for changes that take no factors (adding a recovery
 * key, splitting a key): the vault was unlocked within REAUTH_WINDOW_MS, or the call runs
 * under a grant of asFreshlyAuthenticated (a ceremony step whose administrator has just proved
 * presence). Audited as a failure of `action`. Throws REAUTH_REQUIRED.
 */
export function confirmRecentUnlock(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  action: string,
): void {
  if (isFreshlyAuthenticated()) return;
  try {
    requireRecent(vault, deps);
  } catch (error) {
    vault.recordFailure({ actor, action, target: vault.path, outcome: Outcome.SUCCESS }, error);
    throw error;
  }
}

/** Checks a slot name. Throws BAD_REQUEST. */
export function checkSlotName(name: string): void {
  const chars = [...name].length;
  if (chars === 0 || chars > MAX_SLOT_NAME_CHARS || name.trim() !== name || /\p{Cc}/u.test(name)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A slot name has 1 to ${MAX_SLOT_NAME_CHARS} characters, no control characters and no leading or trailing spaces.`,
    );
  }
}

/**
 * Adds a slot of the enrolled factors: one passphrase (a passphrase slot), or device factors,
 * several at once (combined) or k of n (quorum). Enrolment happens before the transaction (it
 * may wait for a touch); what it left outside the vault is taken back if the slot is not
 * written. Audited with the factors in words, never their secrets. Throws REAUTH_REQUIRED,
 * BAD_REQUEST, the factors' codes, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function addFactorSlot(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  request: AddSlotRequest,
  reauth: readonly OfferedFactor[] | undefined,
): Promise<SlotAdded> {
  const kindGuess = policyKind(request.factors, request.threshold);
  const event = {
    actor,
    action: 'slot.add',
    target: vault.path,
    outcome: Outcome.SUCCESS,
    detail: { kind: kindGuess, factors: request.factors.map((f) => f.kind).join('+') },
  };
  await confirmFresh(vault, deps, actor, 'slot.add', reauth);
  let built;
  try {
    if (request.name !== undefined) checkSlotName(request.name);
    const only = request.factors.length === 1 ? request.factors[0] : undefined;
    if (only?.kind === 'keychain' && request.threshold === undefined) {
      // A lone keychain factor is a keychain slot, the kind `keychain add` makes.
      const { slotId, sealer } = await addKeychainSlot(vault, deps.keychain, actor, request.name);
      vault.slotWorks(slotId);
      return {
        slotId,
        kind: SlotKind.KEYCHAIN,
        factors: [`OS keychain (${sealer})`],
        ...(request.name ? { name: request.name } : {}),
      };
    }
    if (only?.kind === 'passphrase' && request.threshold === undefined) {
      // A lone passphrase is stored as a passphrase slot, the kind every vault starts with.
      const enrolled = await enrolPassphrase(deps, only.passphrase, only.kdf, request.onProgress);
      const { memoryKiB, iterations, parallelism, salt } = enrolled.params;
      const params: PassphraseSlotParams = {
        kdf: 'argon2id',
        memoryKiB,
        iterations,
        parallelism,
        salt,
      };
      built = {
        kind: SlotKind.PASSPHRASE,
        params,
        kek: enrolled.secret,
        factors: ['passphrase'],
        undo: async () => {},
      };
    } else {
      const slot = await buildPolicySlot(deps, request.factors, request.threshold);
      built = { ...slot, factors: slot.params.factors.map(describeFactor) };
    }
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  const { kind, params, kek, factors, undo } = built;
  try {
    const detail = {
      ...event.detail,
      kind,
      ...(request.threshold ? { threshold: request.threshold } : {}),
    };
    const slotId = vault.editSlots({ ...event, detail }, (slots) =>
      slots.insert(kind as SlotKind, params as never, kek, request.name ?? null),
    );
    // Enrolment recovered every factor's secret once: the new slot is known to open the vault.
    vault.slotWorks(slotId);
    return {
      slotId,
      kind,
      factors,
      ...(request.threshold ? { threshold: request.threshold } : {}),
      ...(request.name ? { name: request.name } : {}),
    };
  } catch (error) {
    await undo();
    throw error;
  } finally {
    zeroize(kek);
  }
}

/**
 * Names (or with null, unnames) slot `slotId`. Throws REAUTH_REQUIRED, BAD_REQUEST,
 * SLOT_NOT_FOUND, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function renameSlot(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  slotId: number,
  name: string | null,
  reauth: readonly OfferedFactor[] | undefined,
): Promise<void> {
  const event = {
    actor,
    action: 'slot.rename',
    target: vault.path,
    outcome: Outcome.SUCCESS,
    detail: { slot: slotId, ...(name !== null ? { name } : {}) },
  };
  await confirmFresh(vault, deps, actor, 'slot.rename', reauth);
  vault.editSlots(event, (slots) => {
    if (name !== null) checkSlotName(name);
    if (!slots.list().some((slot) => slot.slot_id === slotId)) {
      throw new KeywardenError(
        ErrorCode.SLOT_NOT_FOUND,
        `This vault has no unlock slot #${slotId}; "keywarden slots list" shows them.`,
      );
    }
    slots.rename(slotId, name);
  });
}
