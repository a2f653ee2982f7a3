import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyState, KeyView, PolicyTable } from '../../shared/inventory-types.ts';
import { dueDateOf } from '../../shared/due-dates.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { RecordMeta, RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import {
  computeCryptoPeriod,
  defaultPolicyTable,
  parsePolicyTable,
  policyRowFor,
} from './crypto-periods.ts';
import { requireKeyOperator } from './duties.ts';
import type { Person } from './duties.ts';
import { requireTransition } from './key-states.ts';
import { findActor, findPerson } from './people-registry.ts';
import type { PeopleSource } from './people-registry.ts';

// The key inventory: every key with its owner, custodians, purposes, tier, location,
// crypto-period and lifecycle state. Stored as records of the collection "keys": the
// inventory data in the sealed metadata, the key material (for keys held in the vault) in
// the record's envelope-encrypted body.

export const KEYS = 'keys';
export const POLICY = 'policy';
export const POLICY_RECORD = 'crypto-periods';
/** States reached only through the destruction flow (authoriser and witness), not a plain transition. */
export const DESTRUCTION_STATES: ReadonlySet<KeyState> = new Set([
  'destruction-pending',
  'destroyed',
  'destroyed-compromised',
]);

/** The vault's crypto-period policy: its own edited copy, or the shipped default. */
export function vaultPolicy(records: RecordStore): PolicyTable {
  const stored = records.list(POLICY).find((record) => record.recordId === POLICY_RECORD);
  return stored ? parsePolicyTable(stored.meta) : defaultPolicyTable();
}

/** The acting person, who must be registered and not an auditor. Throws PERSON_NOT_FOUND, SEPARATION_OF_DUTIES. */
export function requireOperator(people: PeopleSource, actor: string): Person {
  const person = findActor(people, actor);
  requireKeyOperator(person);
  return person;
}

/**
 * A stored entry as a KeyView. Entries written before versions, edits and data keys existed
 * lack those fields; they read as a first version with no edits, held by the vault directly.
 */
function keyViewOf(meta: RecordMeta, id: string): KeyView {
  const stored = meta as Partial<KeyView>;
  return {
    ...(stored as KeyView),
    lineage: stored.lineage ?? id,
    successor: stored.successor ?? null,
    publishedUntil: stored.publishedUntil ?? null,
    wrappedBy: stored.wrappedBy ?? null,
    publicOnly: stored.publicOnly ?? false,
    changes: stored.changes ?? [],
  };
}

/** Every key's inventory entry (one metadata open per key), unsorted. */
export function listKeyViews(records: RecordStore): KeyView[] {
  return records.list(KEYS).map((record) => keyViewOf(record.meta, record.recordId));
}

/** A key's inventory entry inside a read or a transaction. Throws KEY_NOT_FOUND, RECORD_TAMPERED. */
export function readKey(records: RecordStore, id: string): KeyView {
  try {
    return keyViewOf(records.getMeta(KEYS, id).meta, id);
  } catch (error) {
    if (
      error instanceof KeywardenError &&
      (error.code === ErrorCode.RECORD_NOT_FOUND || error.code === ErrorCode.BAD_REQUEST)
    ) {
      throw new KeywardenError(
        ErrorCode.KEY_NOT_FOUND,
        `No key ${id} in this vault; "keywarden keys list" shows them.`,
      );
    }
    throw error;
  }
}

/** One key. Throws KEY_NOT_FOUND, RECORD_TAMPERED, VAULT_LOCKED. */
export function showKey(vault: UnlockedVault, id: string): KeyView {
  return vault.query((records) => readKey(records, id));
}

export interface KeyFilter {
  state?: KeyState;
  owner?: string;
  /** Keys that fall due (see dueDate) within N days, overdue ones included; never destroyed ones. */
  dueWithinDays?: number;
  /**
   * Signing keys whose public keys are published for verification: the active ones, and
   * rotated predecessors still within their transition window.
   */
  published?: boolean;
  /** A page of the sorted result: skip `offset` keys, return at most `limit`. */
  offset?: number;
  limit?: number;
}

/** The keys that match `filter`, by name. Throws PERSON_NOT_FOUND (unknown owner), VAULT_LOCKED. */
export function listKeys(vault: UnlockedVault, filter: KeyFilter, now: Date): KeyView[] {
  return vault.query((records) => {
    const owner = filter.owner === undefined ? undefined : findPerson(records, filter.owner).id;
    const horizon =
      filter.dueWithinDays === undefined
        ? undefined
        : now.getTime() + filter.dueWithinDays * 86_400_000;
    return listKeyViews(records)
      .filter((key) => filter.state === undefined || key.state === filter.state)
      .filter((key) => owner === undefined || key.owner === owner)
      .filter((key) => !filter.published || isPublished(key, now))
      .filter((key) => {
        if (horizon === undefined) return true;
        const due = dueDate(key);
        return due !== null && Date.parse(due) <= horizon;
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .slice(
        filter.offset ?? 0,
        filter.limit === undefined ? undefined : (filter.offset ?? 0) + filter.limit,
      );
  });
}

/**
 * When a key falls due (shared/due-dates.ts): a key in use at the end of its originator-usage
 * period (or, with no originator use, its recipient-usage period), a deactivated or
 * compromised one at the end of its recipient-usage period; null for a destroyed key, which
 * is never due again.
 */
export function dueDate(key: KeyView): string | null {
  return dueDateOf(key.state, key.cryptoPeriod);
}

/** Whether a signing key's public key is published for verification at `now`. */
export function isPublished(key: KeyView, now: Date): boolean {
  if (
    key.publicKey === null ||
    !(key.purposes.includes('sign') || key.purposes.includes('ssh-auth'))
  )
    return false;
  if (key.state === 'active') return true;
  return (
    key.publishedUntil !== null &&
    Date.parse(key.publishedUntil) > now.getTime() &&
    (key.state === 'deactivated' || key.state === 'suspended')
  );
}

/**
 * Moves a key to another lifecycle state, recording who, when and why in its history and
 * in the audit log. Destruction has its own flow. Throws KEY_NOT_FOUND, KEY_STATE_INVALID
 * (naming the current state), BAD_REQUEST (no reason), PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function transitionKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  to: KeyState,
  reason: string,
  now: Date,
): KeyView {
  const why = reason.trim();
  if (why.length === 0 || why.length > 500) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'A transition needs a reason of 1 to 500 characters.',
    );
  }
  const event = {
    actor,
    action: 'key.transition',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { to },
  };
  return vault.apply(event, (records) => {
    requireOperator(records, actor);
    const key = readKey(records, id);
    requireTransition(key.state, to);
    if (DESTRUCTION_STATES.has(to)) {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `The key is ${key.state}; it becomes ${to} only through the destruction flow, with an authoriser and a witness.`,
      );
    }
    if (key.destructionBegun && to !== 'compromised') {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `Destroying the key's objects on its token began at ${key.destructionBegun.at}; it cannot return to use. Finish it with "keywarden keys destroy ${key.id}".`,
      );
    }
    const at = now.toISOString();
    const activating = to === 'active' && key.activatedAt === null;
    const updated: KeyView = {
      ...key,
      state: to,
      activatedAt: activating ? at : key.activatedAt,
      cryptoPeriod: activating
        ? computeCryptoPeriod(policyRowFor(vaultPolicy(records), key.algorithm, key.purposes), now)
        : key.cryptoPeriod,
      history: [...key.history, { from: key.state, to, at, by: actor, reason: why }],
    };
    saveKey(records, updated, 'keep');
    return updated;
  });
}

/**
 * Writes a key's inventory entry as a new version of its record. `keep` carries the key
 * material over (re-sealed under a fresh data key and zeroed here); `destroy` writes the
 * entry with no material at all, so the old ciphertext is gone with the old version (and
 * secure_delete overwrites its pages) in the same transaction. Call inside a transaction.
 */
export function saveKey(records: RecordStore, key: KeyView, material: 'keep' | 'destroy'): void {
  const body = material === 'keep' ? records.readBody(KEYS, key.id) : Buffer.alloc(0);
  try {
    records.put(KEYS, key.id, { ...key }, body);
  } finally {
    zeroize(body);
  }
}
