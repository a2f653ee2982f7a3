import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyState, KeyView } from '../../shared/inventory-types.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { requireDestructionParties } from './duties.ts';
import { readKey, requireOperator, saveKey } from './key-inventory.ts';
import { dataKeysUnder } from './key-rotation.ts';
import { requireTransition } from './key-states.ts';
import { findPerson } from './people-registry.ts';

// Destroying a key, as key-management practice and cloud KMSes do it: an authoriser and a
// different witness schedule it, a pending window (7 to 30 days, 30 by default) lets it be
// cancelled, and only after the window is the key material removed, in the same
// transaction as the destruction record that outlives it.

export const DESTRUCTION_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
export const DESTRUCTION_METHOD =
  'zeroized in memory; record ciphertext removed from the vault (SQLite secure_delete)';

export interface DestructionRequest {
  authorisedBy: string;
  witness: string;
  /** Pending window in days (7-30); ignored when the window has already been served. */
  afterDays?: number;
}

/** Whether `destroyKey` would carry the destruction out now (rather than schedule it). */
export function destructionIsDue(key: KeyView, now: Date): boolean {
  if (key.state === 'compromised') return true;
  return (
    key.state === 'destruction-pending' &&
    key.destruction !== undefined &&
    Date.parse(key.destruction.notBefore) <= now.getTime()
  );
}

/** How the material of a key was destroyed, for the record that outlives it. */
function methodFor(key: KeyView): string {
  if (key.location.kind === 'token')
    return `objects with CKA_ID ${key.location.ckaId} destroyed on token ${key.location.serial} (C_DestroyObject)`;
  if (key.location.kind === 'external')
    return `recorded here; the material lives at ${key.location.reference} and is destroyed there`;
  return DESTRUCTION_METHOD;
}

const at = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000);

/**
 * What `destroyKey` would do to the key now, with every check it makes (the window, the
 * parties, the state, data keys still held), writing nothing: the scheduled or destroyed
 * entry, and whether its material goes. Call inside a read or a transaction. Throws as
 * destroyKey.
 */
export function planDestruction(
  records: RecordStore,
  actor: string,
  id: string,
  request: DestructionRequest,
  now: Date,
): { key: KeyView; material: 'keep' | 'destroy' } {
  const days = request.afterDays ?? DESTRUCTION_WINDOW_DAYS.default;
  if (
    !Number.isInteger(days) ||
    days < DESTRUCTION_WINDOW_DAYS.min ||
    days > DESTRUCTION_WINDOW_DAYS.max
  ) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The destruction window is ${DESTRUCTION_WINDOW_DAYS.min} to ${DESTRUCTION_WINDOW_DAYS.max} days; got ${String(request.afterDays)}.`,
    );
  }
  const performer = requireOperator(records, actor);
  const authoriser = findPerson(records, request.authorisedBy);
  const witness = findPerson(records, request.witness);
  requireDestructionParties(authoriser, witness);
  if (performer.id === witness.id) {
    throw new KeywardenError(
      ErrorCode.SEPARATION_OF_DUTIES,
      `${witness.name} cannot witness a destruction they carry out.`,
    );
  }
  const key = readKey(records, id);
  const held = dataKeysUnder(records, key);
  if (held.length > 0) {
    throw new KeywardenError(
      ErrorCode.REWRAP_PENDING,
      `${held.length} data key(s) are still wrapped under ${key.id}; ${key.successor ? `run "keywarden keys rewrap ${key.successor}"` : 'rotate it, or destroy them'} first.`,
    );
  }
  const stamp = now.toISOString();
  const move = (to: KeyState, reason: string, destruction: KeyView['destruction']): KeyView => {
    requireTransition(key.state, to);
    return {
      ...key,
      state: to,
      ...(destruction ? { destruction } : {}),
      history: [...key.history, { from: key.state, to, at: stamp, by: actor, reason }],
    };
  };
  const parties = { authorisedBy: authoriser.id, witness: witness.id };
  if (key.state === 'deactivated') {
    const notBefore = at(now, days).toISOString();
    const scheduled = move('destruction-pending', `destruction scheduled for ${notBefore}`, {
      ...parties,
      scheduledAt: stamp,
      notBefore,
    });
    return { key: scheduled, material: 'keep' };
  }
  const performed = { performedBy: performer.id, performedAt: stamp, method: methodFor(key) };
  if (key.state === 'destruction-pending') {
    const scheduled = key.destruction;
    if (scheduled && scheduled.authorisedBy !== authoriser.id) {
      throw new KeywardenError(
        ErrorCode.SEPARATION_OF_DUTIES,
        `This destruction was authorised by someone else; ${authoriser.name} cannot complete it under their name.`,
      );
    }
    if (!scheduled || Date.parse(scheduled.notBefore) > now.getTime()) {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `The key is destruction-pending until ${scheduled?.notBefore ?? 'its window ends'}; it can be destroyed after that, or the destruction cancelled.`,
      );
    }
    const destroyed = move('destroyed', 'destroyed after its pending window', {
      ...scheduled,
      witness: witness.id,
      ...performed,
    });
    return { key: destroyed, material: 'destroy' };
  }
  if (key.state === 'compromised') {
    const destroyed = move('destroyed-compromised', 'compromised key destroyed', {
      ...parties,
      scheduledAt: stamp,
      notBefore: stamp,
      ...performed,
    });
    return { key: destroyed, material: 'destroy' };
  }
  throw new KeywardenError(
    ErrorCode.KEY_STATE_INVALID,
    `The key is ${key.state}; deactivate it first (a key is destroyed only once it no longer protects anything).`,
  );
}

/**
 * Schedules a deactivated key's destruction, or carries out a scheduled one whose window has
 * passed, or destroys a compromised key at once (it is destroyed-compromised). The actor
 * performs it; authoriser and witness are different registered people. Throws KEY_NOT_FOUND,
 * KEY_STATE_INVALID (wrong state, or still within the window: the message gives the date),
 * BAD_REQUEST (window out of range), PERSON_NOT_FOUND, SEPARATION_OF_DUTIES,
 * AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function destroyKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  request: DestructionRequest,
  now: Date,
): KeyView {
  const event = { actor, action: 'key.destroy', target: id, outcome: Outcome.SUCCESS };
  const result = vault.apply(event, (records) => {
    const planned = planDestruction(records, actor, id, request, now);
    saveKey(records, planned.key, planned.material);
    return planned.key;
  });
  if (result.state === 'destroyed' || result.state === 'destroyed-compromised')
    vault.purgeRemovedPages();
  return result;
}

/**
 * Cancels a scheduled destruction: the key returns to deactivated, with the material intact.
 * Throws KEY_NOT_FOUND, KEY_STATE_INVALID, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES,
 * AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function cancelDestruction(
  vault: UnlockedVault,
  actor: string,
  id: string,
  now: Date,
): KeyView {
  const event = { actor, action: 'key.cancel-destroy', target: id, outcome: Outcome.SUCCESS };
  return vault.apply(event, (records) => {
    requireOperator(records, actor);
    const key = readKey(records, id);
    if (key.state !== 'destruction-pending') {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `The key is ${key.state}: there is no destruction to cancel.`,
      );
    }
    if (key.destructionBegun) {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `Destroying the key's objects on its token began at ${key.destructionBegun.at}; it cannot be cancelled. Finish it with "keywarden keys destroy ${key.id}".`,
      );
    }
    const restored: KeyView = {
      ...key,
      state: 'deactivated',
      history: [
        ...key.history,
        {
          from: key.state,
          to: 'deactivated',
          at: now.toISOString(),
          by: actor,
          reason: 'destruction cancelled',
        },
      ],
    };
    delete restored.destruction;
    saveKey(records, restored, 'keep');
    return restored;
  });
}
