import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { GENERATED_ALGORITHMS } from '../../shared/inventory-types.ts';
import type { GeneratedAlgorithm, KeyState, KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { buildEntry, checkEntry, enterKey, newKeyId, storeEntry } from './key-creation.ts';
import { listKeyViews, readKey, requireOperator, saveKey } from './key-inventory.ts';
import { canHoldDataKeys, readKeyMaterial, requireHeld, writeKeyMaterial } from './key-material.ts';
import { requireTransition } from './key-states.ts';
import { generateSoftwareKey } from './software-keys.ts';

// Rotation: a new version of the same logical key (its lineage), generated in the vault; the
// predecessor becomes deactivated (it still verifies, decrypts and unwraps), and a signing
// key's public key can stay published beside its successor's for a transition window.
// Rotating a key-encryption key then rewraps the data keys held under its older versions,
// a batch per transaction: a crash at any point leaves every data key wrapped under one
// version or the other, both usable, and `rewrapDataKeys` carries on where it stopped.

export const PUBLISH_DAYS = { max: 365, signingDefault: 30 } as const;
const REWRAP_BATCH = 100;
/** The states a key is rotated from. */
export const ROTATABLE: ReadonlySet<KeyState> = new Set(['active', 'suspended', 'compromised']);

export interface RotateRequest {
  reason?: string;
  /** Days a rotated signing key stays published for verification (0-365; 30 by default). */
  publishDays?: number;
}

export interface RewrapProgress {
  /** The KEK version the data keys are rewrapped under. */
  kek: string;
  done: number;
  total: number;
}

export interface RotationResult {
  key: KeyView;
  predecessor: KeyView;
  rewrapped: number;
  /** Data keys still under an older version (the rewrap stopped on an error): `keys rewrap` finishes. */
  rewrapPending: number;
}

const isSigning = (key: KeyView) =>
  key.purposes.includes('sign') || key.purposes.includes('ssh-auth');

/** The newest version of the lineage `key` belongs to, following successors. */
export function currentVersion(records: RecordStore, key: KeyView): KeyView {
  let current = key;
  const seen = new Set<string>([key.id]);
  while (current.successor !== null && !seen.has(current.successor)) {
    seen.add(current.successor);
    current = readKey(records, current.successor);
  }
  return current;
}

const GONE: ReadonlySet<KeyState> = new Set(['destroyed', 'destroyed-compromised']);

const heldUnder = (keys: readonly KeyView[], kekIds: ReadonlySet<string>) =>
  keys.filter((key) => key.wrappedBy !== null && kekIds.has(key.wrappedBy) && !GONE.has(key.state));

/**
 * The live data keys held under `kek` (whose material still exists). Lists the inventory
 * only for a key that can hold any.
 */
export function dataKeysUnder(records: RecordStore, kek: KeyView): KeyView[] {
  return canHoldDataKeys(kek) ? heldUnder(listKeyViews(records), new Set([kek.id])) : [];
}

/** The data keys still wrapped under an older version of the lineage whose newest is `current`. */
function pendingFor(records: RecordStore, current: KeyView): KeyView[] {
  if (!canHoldDataKeys(current)) return [];
  const keys = listKeyViews(records);
  const older = new Set(
    keys
      .filter((key) => key.lineage === current.lineage && key.id !== current.id)
      .map((key) => key.id),
  );
  return older.size === 0 ? [] : heldUnder(keys, older);
}

function checkRotation(records: RecordStore, actor: string, id: string, request: RotateRequest) {
  requireOperator(records, actor);
  const key = readKey(records, id);
  if (key.successor !== null) {
    throw new KeywardenError(
      ErrorCode.KEY_STATE_INVALID,
      `Key ${id} was already rotated to ${key.successor}; rotate the newest version.`,
    );
  }
  if (!ROTATABLE.has(key.state)) {
    throw new KeywardenError(
      ErrorCode.KEY_STATE_INVALID,
      `The key is ${key.state}; only an active, suspended or compromised key is rotated.`,
    );
  }
  requireHeld(key);
  if (!(GENERATED_ALGORITHMS as readonly string[]).includes(key.algorithm)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The vault does not generate ${key.algorithm} keys; generate a successor of a stronger algorithm instead.`,
    );
  }
  // A compromised key is never kept published: its signatures are no longer to be trusted.
  const publishes = isSigning(key) && key.state !== 'compromised';
  const days = request.publishDays ?? (publishes ? PUBLISH_DAYS.signingDefault : 0);
  if (!Number.isInteger(days) || days < 0 || days > PUBLISH_DAYS.max) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A publication window is 0 to ${PUBLISH_DAYS.max} days.`,
    );
  }
  if (days > 0 && !publishes) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      key.state === 'compromised'
        ? 'A compromised key is not kept published; drop --publish-days.'
        : 'Only a signing key stays published after rotation; drop --publish-days.',
    );
  }
  const reason = (request.reason ?? 'rotated').trim();
  if (reason.length === 0 || reason.length > 500)
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'A reason is 1 to 500 characters.');
  // The successor carries the entry over and passes the checks a new key would.
  const entry = {
    name: key.name,
    purposes: key.purposes,
    owner: key.owner,
    custodians: key.custodians,
    environment: key.environment,
    classification: key.classification,
    tier: key.tier,
    labels: key.labels,
    notes: key.notes,
  };
  const checked = checkEntry(records, actor, entry, key.algorithm, key.location);
  // A data key's successor goes under its KEK's newest version.
  const kek =
    key.wrappedBy === null ? null : currentVersion(records, readKey(records, key.wrappedBy));
  return { key, entry, checked, days, reason, kek };
}

/**
 * Rotates a vault-held key: generates its successor (same algorithm, purposes, owner,
 * custodians, tier and labels; a fresh crypto-period), deactivates the predecessor (a
 * compromised one stays compromised), keeps a signing key published for `publishDays`, and
 * then rewraps the data keys held under the rotated KEK, reporting progress; a rewrap that
 * stops after the rotation is committed is reported in `rewrapPending`, not thrown. Throws
 * KEY_NOT_FOUND, KEY_STATE_INVALID, KEY_NOT_HELD, KEY_PURPOSE_MISMATCH (a data key's KEK),
 * BAD_REQUEST, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, POLICY_VIOLATION, RECORD_TAMPERED,
 * AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function rotateKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  request: RotateRequest,
  now: Date,
  onProgress?: (progress: RewrapProgress) => void,
): Promise<RotationResult> {
  const successorId = newKeyId();
  const event = {
    actor,
    action: 'key.rotate',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { successor: successorId },
  };
  let predecessor: KeyView | undefined;
  let publicKey: Buffer | null = null;
  const key = await enterKey(
    vault,
    event,
    (records) => checkRotation(records, actor, id, request),
    async ({ key: old }) => {
      const generated = await generateSoftwareKey(old.algorithm as GeneratedAlgorithm);
      publicKey = generated.publicKey;
      return generated.secret;
    },
    (records, secret) => {
      const rotation = checkRotation(records, actor, id, request);
      const { key: old, entry, checked, days, reason, kek } = rotation;
      const at = now.toISOString();
      const material = readKeyMaterial(records, old);
      zeroize(material); // read only to prove the predecessor is intact before it is retired
      const next = buildEntry(
        records,
        actor,
        entry,
        checked,
        {
          id: successorId,
          algorithm: old.algorithm,
          location: old.location,
          publicKey,
          publicOnly: false,
          wrappedBy: kek?.id ?? null,
          origin: `rotated from ${old.id}: ${reason}`,
          lineage: { id: old.lineage, version: old.version + 1, predecessor: old.id },
        },
        now,
      );
      storeEntry(records, next, secret);
      const to: KeyState = old.state === 'compromised' ? 'compromised' : 'deactivated';
      if (to !== old.state) requireTransition(old.state, to);
      predecessor = {
        ...old,
        state: to,
        successor: next.id,
        publishedUntil: days > 0 ? new Date(now.getTime() + days * 86_400_000).toISOString() : null,
        history:
          to === old.state
            ? old.history
            : [
                ...old.history,
                { from: old.state, to, at, by: actor, reason: `rotated to ${next.id}: ${reason}` },
              ],
      };
      saveKey(records, predecessor, 'keep');
      return next;
    },
  );
  if (!predecessor)
    throw new KeywardenError(ErrorCode.INTERNAL, 'The rotation left no predecessor.');
  // The rotation is committed: a rewrap that stops now (its failed batch is audited) is
  // reported as pending work for `keys rewrap`, not as a failed rotation.
  let rewrapped = 0;
  try {
    rewrapped = rewrapDataKeys(vault, actor, key.id, now, (progress) => {
      rewrapped = progress.done;
      onProgress?.(progress);
    }).rewrapped;
  } catch {
    // What is left is counted below.
  }
  const rewrapPending = vault.query((records) => pendingFor(records, key).length);
  return { key, predecessor, rewrapped, rewrapPending };
}

/**
 * Rewraps every data key held under an older version of `id`'s lineage under its newest
 * version, a batch per audited transaction, calling `onProgress` after each. Safe to run
 * again after a crash: it finds what is left. Throws KEY_NOT_FOUND, KEY_STATE_INVALID (the
 * newest version cannot wrap, or an older one cannot unwrap), PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, RECORD_TAMPERED, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function rewrapDataKeys(
  vault: UnlockedVault,
  actor: string,
  id: string,
  now: Date,
  onProgress?: (progress: RewrapProgress) => void,
): { rewrapped: number; kek: string } {
  let current: KeyView;
  let pending: string[];
  try {
    ({ current, pending } = vault.query((records) => {
      requireOperator(records, actor);
      const newest = currentVersion(records, readKey(records, id));
      return { current: newest, pending: pendingFor(records, newest).map((key) => key.id) };
    }));
  } catch (error) {
    vault.recordFailure(
      { actor, action: 'key.rewrap', target: id, outcome: Outcome.SUCCESS },
      error,
    );
    throw error;
  }
  let done = 0;
  for (let start = 0; start < pending.length; start += REWRAP_BATCH) {
    const batch = pending.slice(start, start + REWRAP_BATCH);
    const event = {
      actor,
      action: 'key.rewrap',
      target: current.id,
      outcome: Outcome.SUCCESS,
      detail: { count: batch.length },
    };
    done += vault.apply(event, (records) => {
      requireOperator(records, actor);
      let count = 0;
      for (const dataKeyId of batch) {
        const dataKey = readKey(records, dataKeyId);
        if (dataKey.wrappedBy === null || dataKey.wrappedBy === current.id) continue;
        const material = readKeyMaterial(records, dataKey, 'rewrap');
        try {
          writeKeyMaterial(
            records,
            {
              ...dataKey,
              wrappedBy: current.id,
              changes: [
                ...dataKey.changes,
                {
                  at: now.toISOString(),
                  by: actor,
                  fields: { wrappedBy: { from: dataKey.wrappedBy, to: current.id } },
                  reason: `rewrapped after the rotation of ${dataKey.wrappedBy}`,
                },
              ],
            },
            material,
          );
        } finally {
          zeroize(material);
        }
        count += 1;
      }
      return count;
    });
    onProgress?.({
      kek: current.id,
      done: Math.min(start + batch.length, pending.length),
      total: pending.length,
    });
  }
  return { rewrapped: done, kek: current.id };
}
