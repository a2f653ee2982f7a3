import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { GENERATED_ALGORITHMS, PURPOSES } from '../../shared/inventory-types.ts';
import type {
  GeneratedAlgorithm,
  KeyState,
  KeyView,
  PolicyTable,
  Purpose,
  Tier,
} from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import {
  computeCryptoPeriod,
  defaultPolicyTable,
  parsePolicyTable,
  policyRowFor,
} from './crypto-periods.ts';
import { requireCustody, requireKeyOperator, requireTierPlacement } from './duties.ts';
import type { Person } from './duties.ts';
import { requireTransition } from './key-states.ts';
import { findActor, findPerson } from './people-registry.ts';
import { publicKeyFingerprint } from './public-key-formats.ts';
import { ALGORITHM_BITS, ALGORITHM_PURPOSES, generateSoftwareKey } from './software-keys.ts';

// The key inventory: every key with its owner, custodians, purposes, tier, location,
// crypto-period and lifecycle state. Stored as records of the collection "keys": the
// inventory data in the sealed metadata, the key material (for keys held in the vault) in
// the record's envelope-encrypted body.

export const KEYS = 'keys';
const POLICY = 'policy';
const POLICY_RECORD = 'crypto-periods';
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
export function requireOperator(records: RecordStore, actor: string): Person {
  const person = findActor(records, actor);
  requireKeyOperator(person);
  return person;
}

export interface GenerateKeyRequest {
  name: string;
  algorithm: string;
  purposes: readonly string[];
  owner: string;
  custodians?: readonly string[];
  environment?: string;
  classification?: string;
  tier?: number;
  labels?: readonly string[];
  notes?: string;
}

interface CheckedRequest {
  name: string;
  algorithm: GeneratedAlgorithm;
  purposes: Purpose[];
  owner: Person;
  custodians: Person[];
  tier: Tier;
}

function badRequest(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.BAD_REQUEST, message);
}

/** Checks a generate request against the registry, the tier rules and the algorithm. */
function checkRequest(
  records: RecordStore,
  actor: string,
  request: GenerateKeyRequest,
): CheckedRequest {
  requireOperator(records, actor);
  const name = request.name.trim();
  if (name.length === 0 || name.length > 200)
    throw badRequest('A key needs a name of 1 to 200 characters.');
  if (!(GENERATED_ALGORITHMS as readonly string[]).includes(request.algorithm)) {
    throw badRequest(
      `The vault generates ${GENERATED_ALGORITHMS.join(', ')} keys; not "${request.algorithm}".`,
    );
  }
  const algorithm = request.algorithm as GeneratedAlgorithm;
  const purposes = [...new Set(request.purposes)];
  const allowed = ALGORITHM_PURPOSES[algorithm];
  const wrong = purposes.filter(
    (p) => !(PURPOSES as readonly string[]).includes(p) || !allowed.includes(p as Purpose),
  );
  if (purposes.length === 0 || wrong.length > 0) {
    throw badRequest(
      `An ${algorithm} key may be used for ${allowed.join(', ')}${wrong.length ? `; not ${wrong.join(', ')}` : ''}.`,
    );
  }
  const tier = request.tier ?? 3;
  if (![1, 2, 3, 4].includes(tier)) throw badRequest('A tier is 1 (catastrophic) to 4 (low).');
  requireTierPlacement(tier as Tier, { kind: 'vault' });
  const owner = findPerson(records, request.owner);
  const custodians = (request.custodians ?? []).map((name) => findPerson(records, name));
  requireCustody(tier as Tier, owner, custodians);
  return {
    name,
    algorithm,
    purposes: purposes as Purpose[],
    owner,
    custodians,
    tier: tier as Tier,
  };
}

/**
 * Generates a key in the vault and enters it in the inventory, active, with the
 * crypto-period its policy row gives. The actor must be a registered person who is not an
 * auditor. Throws BAD_REQUEST, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, POLICY_VIOLATION,
 * POLICY_INVALID, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function generateKey(
  vault: UnlockedVault,
  actor: string,
  request: GenerateKeyRequest,
  now: Date,
): Promise<KeyView> {
  const id = `k-${randomBytes(8).toString('hex')}`;
  const event = {
    actor,
    action: 'key.generate',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { algorithm: request.algorithm, tier: request.tier ?? 3 },
  };
  // Check everything before the (for RSA, slow) generation, and again in the transaction.
  let checked: CheckedRequest;
  try {
    checked = vault.query((records) => checkRequest(records, actor, request));
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  const generated = await generateSoftwareKey(checked.algorithm);
  try {
    return vault.apply(event, (records) => {
      const { name, algorithm, purposes, owner, custodians, tier } = checkRequest(
        records,
        actor,
        request,
      );
      const key: KeyView = {
        id,
        name,
        algorithm,
        sizeBits: ALGORITHM_BITS[algorithm],
        purposes,
        environment: request.environment ?? 'production',
        classification: request.classification ?? 'confidential',
        tier,
        owner: owner.id,
        custodians: custodians.map((c) => c.id),
        location: { kind: 'vault' },
        publicKey: generated.publicKey?.toString('base64') ?? null,
        fingerprint: generated.publicKey
          ? publicKeyFingerprint(algorithm, generated.publicKey)
          : null,
        version: 1,
        predecessor: null,
        labels: [...(request.labels ?? [])],
        notes: request.notes ?? '',
        state: 'active',
        cryptoPeriod: computeCryptoPeriod(
          policyRowFor(vaultPolicy(records), algorithm, purposes),
          now,
        ),
        createdAt: now.toISOString(),
        activatedAt: now.toISOString(),
        history: [
          {
            from: null,
            to: 'active',
            at: now.toISOString(),
            by: actor,
            reason: 'generated in the vault',
          },
        ],
      };
      records.put(KEYS, id, { ...key }, generated.secret);
      return key;
    });
  } finally {
    // The private or secret key exists in plain only until it is sealed.
    zeroize(generated.secret);
  }
}

/** A key's inventory entry inside a read or a transaction. Throws KEY_NOT_FOUND, RECORD_TAMPERED. */
export function readKey(records: RecordStore, id: string): KeyView {
  try {
    return records.getMeta(KEYS, id).meta as unknown as KeyView;
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
  /** Keys whose originator (or, without one, recipient) usage period ends within N days, overdue ones included. */
  dueWithinDays?: number;
}

/** The keys that match `filter`, by name. Throws PERSON_NOT_FOUND (unknown owner), VAULT_LOCKED. */
export function listKeys(vault: UnlockedVault, filter: KeyFilter, now: Date): KeyView[] {
  return vault.query((records) => {
    const owner = filter.owner === undefined ? undefined : findPerson(records, filter.owner).id;
    const horizon =
      filter.dueWithinDays === undefined
        ? undefined
        : now.getTime() + filter.dueWithinDays * 86_400_000;
    return records
      .list(KEYS)
      .map((record) => record.meta as unknown as KeyView)
      .filter((key) => filter.state === undefined || key.state === filter.state)
      .filter((key) => owner === undefined || key.owner === owner)
      .filter((key) => {
        if (horizon === undefined) return true;
        const end = key.cryptoPeriod.originatorUsageEnd ?? key.cryptoPeriod.recipientUsageEnd;
        return Date.parse(end) <= horizon;
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  });
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
  if (why.length === 0 || why.length > 500)
    throw badRequest('A transition needs a reason of 1 to 500 characters.');
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
