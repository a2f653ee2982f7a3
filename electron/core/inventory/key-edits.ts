import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyChange, KeyView, PolicyTable, Tier } from '../../shared/inventory-types.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { parsePolicyTable, requiredPolicyRows } from './crypto-periods.ts';
import { checkEntry } from './key-creation.ts';
import {
  DESTRUCTION_STATES,
  POLICY,
  POLICY_RECORD,
  readKey,
  requireOperator,
  saveKey,
  vaultPolicy,
} from './key-inventory.ts';
import { findActor } from './people-registry.ts';

// Editing what the inventory says about a key (its name, owner, custodians, tier, labels,
// notes) and the vault's crypto-period policy. Every edit records who, when, what changed
// from what, and why; an edit passes the same rules a new key does.

export interface KeyUpdate {
  name?: string;
  owner?: string;
  custodians?: readonly string[];
  environment?: string;
  classification?: string;
  tier?: number;
  labels?: readonly string[];
  notes?: string;
}

const EDITABLE = [
  'name',
  'owner',
  'custodians',
  'environment',
  'classification',
  'tier',
  'labels',
  'notes',
] as const;

/**
 * Edits a key's entry and records the change (old and new values, who, why) in its changes
 * and in the audit log. The result must pass the rules a new key does: the owner and
 * custodians are registered, a tier 1-2 key has a custodian besides its owner, a tier 1 key
 * lives on a token. A destroyed key's entry is history and is not edited. Throws
 * KEY_NOT_FOUND, KEY_STATE_INVALID, BAD_REQUEST (nothing to change, no reason),
 * PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, POLICY_VIOLATION, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function updateKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  update: KeyUpdate,
  reason: string,
  now: Date,
): KeyView {
  const why = reason.trim();
  if (why.length === 0 || why.length > 500)
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'An edit needs a reason of 1 to 500 characters.',
    );
  const event = { actor, action: 'key.update', target: id, outcome: Outcome.SUCCESS };
  return vault.apply(event, (records) => {
    requireOperator(records, actor);
    const key = readKey(records, id);
    if (DESTRUCTION_STATES.has(key.state) && key.state !== 'destruction-pending') {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `The key is ${key.state}; its entry is a record of what was and is not edited.`,
      );
    }
    const merged = {
      name: update.name ?? key.name,
      purposes: key.purposes,
      owner: update.owner ?? key.owner,
      custodians: update.custodians ?? key.custodians,
      environment: update.environment ?? key.environment,
      classification: update.classification ?? key.classification,
      tier: update.tier ?? key.tier,
      labels: update.labels ?? key.labels,
      notes: update.notes ?? key.notes,
    };
    const checked = checkEntry(records, actor, merged, key.algorithm, key.location);
    const after = {
      name: checked.name,
      owner: checked.owner.id,
      custodians: checked.custodians.map((person) => person.id),
      environment: merged.environment.trim(),
      classification: merged.classification.trim(),
      tier: checked.tier as Tier,
      labels: [...new Set(merged.labels.map((label) => label.trim()))],
      notes: merged.notes,
    };
    const fields: KeyChange['fields'] = {};
    for (const field of EDITABLE) {
      if (JSON.stringify(key[field]) !== JSON.stringify(after[field]))
        fields[field] = { from: key[field], to: after[field] };
    }
    if (Object.keys(fields).length === 0)
      throw new KeywardenError(ErrorCode.BAD_REQUEST, 'The edit changes nothing.');
    const updated: KeyView = {
      ...key,
      ...after,
      changes: [...key.changes, { at: now.toISOString(), by: actor, fields, reason: why }],
    };
    saveKey(records, updated, 'keep');
    return updated;
  });
}

/**
 * Replaces the vault's crypto-period policy with an officer's edit of it. Keys already in
 * the inventory keep the periods they were given; new and re-activated keys get the new
 * ones. Throws POLICY_INVALID (naming the problem, or the row the inventory needs that is
 * missing), SEPARATION_OF_DUTIES (not an officer), PERSON_NOT_FOUND, AUDIT_WRITE_FAILED,
 * VAULT_LOCKED.
 */
export function setPolicy(vault: UnlockedVault, actor: string, input: unknown | null): PolicyTable {
  const event = {
    actor,
    action: input === null ? 'policy.reset' : 'policy.set',
    target: POLICY_RECORD,
    outcome: Outcome.SUCCESS,
  };
  return vault.apply(event, (records) => {
    const person = findActor(records, actor);
    if (!person.roles.includes('officer')) {
      throw new KeywardenError(
        ErrorCode.SEPARATION_OF_DUTIES,
        `${person.name} is not an officer; only an officer edits the crypto-period policy.`,
      );
    }
    if (input === null) {
      if (records.list(POLICY).some((record) => record.recordId === POLICY_RECORD))
        records.delete(POLICY, POLICY_RECORD);
      return vaultPolicy(records);
    }
    const table = parsePolicyTable(input);
    const missing = requiredPolicyRows().filter((id) => !table.rows.some((row) => row.id === id));
    if (missing.length > 0) {
      throw new KeywardenError(
        ErrorCode.POLICY_INVALID,
        `The policy lacks the row(s) ${missing.join(', ')} that keys are classified under. Nothing was changed.`,
      );
    }
    records.put(POLICY, POLICY_RECORD, { ...table }, Buffer.alloc(0));
    return table;
  });
}
