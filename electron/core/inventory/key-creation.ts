import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { GENERATED_ALGORITHMS, KEY_ALGORITHMS, PURPOSES } from '../../shared/inventory-types.ts';
import type {
  KeyAlgorithm,
  KeyLocation,
  KeyView,
  Purpose,
  Tier,
} from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { computeCryptoPeriod, policyRowFor } from './crypto-periods.ts';
import { requireCustody, requireTierPlacement } from './duties.ts';
import type { KeyPlacement, Person } from './duties.ts';
import { KEYS, requireOperator, vaultPolicy } from './key-inventory.ts';
import { kekFor, writeKeyMaterial } from './key-material.ts';
import { findPerson, listPeople } from './people-registry.ts';
import { publicKeyFingerprint } from './public-key-formats.ts';
import { ALGORITHM_BITS, generateSoftwareKey } from './software-keys.ts';
import { ALGORITHM_PURPOSES } from '../../shared/inventory-types.ts';

// Entering keys in the inventory: generated in the vault, imported from a file, or
// registered where they live (a token, a cloud KMS). Every new entry passes the same checks
// (the actor, the owner and custodians, the purposes the algorithm allows, the tier rules)
// before anything is written, and is written with its audit entry in one transaction.

/** What every new key's entry says about it. */
export interface KeyEntryRequest {
  name: string;
  purposes: readonly string[];
  owner: string;
  custodians?: readonly string[];
  environment?: string;
  classification?: string;
  tier?: number;
  labels?: readonly string[];
  notes?: string;
  /** Enter the key pre-activation; it is activated later by a transition. */
  preActivation?: boolean;
}

export interface GenerateKeyRequest extends KeyEntryRequest {
  algorithm: string;
  /** Hold the new key wrapped under this AES-256 key-encryption key (a data key). */
  wrappedBy?: string;
}

/** What a key is good for when only its public half is held: verifying, RSA encryption. */
const PUBLIC_PURPOSES: readonly Purpose[] = ['verify', 'encrypt'];

interface CheckedEntry {
  name: string;
  purposes: Purpose[];
  owner: Person;
  custodians: Person[];
  tier: Tier;
}

function badRequest(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.BAD_REQUEST, message);
}

/** Throws BAD_REQUEST unless `algorithm` is one the inventory knows. */
export function requireAlgorithm(algorithm: string): KeyAlgorithm {
  if (!(KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw badRequest(`Unknown algorithm "${algorithm}"; one of ${KEY_ALGORITHMS.join(', ')}.`);
  }
  return algorithm as KeyAlgorithm;
}

/**
 * Checks a new entry against the registry, the tier rules and what the algorithm (or, for a
 * key held as its public half only, the public key) may be used for. Throws BAD_REQUEST,
 * PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, POLICY_VIOLATION.
 */
export function checkEntry(
  records: RecordStore,
  actor: string,
  request: KeyEntryRequest,
  algorithm: KeyAlgorithm,
  placement: KeyPlacement,
  publicOnly = false,
): CheckedEntry {
  // The registry is read once for the actor, the owner and every custodian.
  const people = listPeople(records);
  requireOperator(people, actor);
  const name = request.name.trim();
  if (name.length === 0 || name.length > 200)
    throw badRequest('A key needs a name of 1 to 200 characters.');
  const purposes = [...new Set(request.purposes)];
  const allowed = ALGORITHM_PURPOSES[algorithm].filter(
    (purpose) => !publicOnly || PUBLIC_PURPOSES.includes(purpose),
  );
  const wrong = purposes.filter(
    (p) => !(PURPOSES as readonly string[]).includes(p) || !allowed.includes(p as Purpose),
  );
  if (purposes.length === 0 || wrong.length > 0) {
    const what = publicOnly ? `The public ${algorithm} key alone` : `An ${algorithm} key`;
    throw badRequest(
      `${what} may be used for ${allowed.join(', ') || 'nothing'}${wrong.length ? `; not ${wrong.join(', ')}` : ''}.`,
    );
  }
  const tier = request.tier ?? 3;
  if (![1, 2, 3, 4].includes(tier)) throw badRequest('A tier is 1 (catastrophic) to 4 (low).');
  requireTierPlacement(tier as Tier, placement);
  const owner = findPerson(people, request.owner);
  const custodians = (request.custodians ?? []).map((name) => findPerson(people, name));
  requireCustody(tier as Tier, owner, custodians);
  if ((request.labels ?? []).some((label) => label.trim().length === 0 || label.length > 100))
    throw badRequest('A label is 1 to 100 characters.');
  for (const [field, value] of [
    ['environment', request.environment],
    ['classification', request.classification],
  ] as const) {
    if (value !== undefined && (value.trim().length === 0 || value.length > 100))
      throw badRequest(`An ${field} is 1 to 100 characters.`);
  }
  if ((request.notes ?? '').length > 10_000)
    throw badRequest('Notes are at most 10,000 characters.');
  return { name, purposes: purposes as Purpose[], owner, custodians, tier: tier as Tier };
}

/** What differs between a generated, an imported and a registered key's entry. */
export interface EntryFacts {
  id: string;
  algorithm: KeyAlgorithm;
  location: KeyLocation;
  publicKey: Buffer | null;
  publicOnly: boolean;
  wrappedBy: string | null;
  /** Why it entered the inventory: the first history entry's reason. */
  origin: string;
  /** Continue a logical key: its lineage and the version this one succeeds. */
  lineage?: { id: string; version: number; predecessor: string };
}

/** A new key's inventory entry; its crypto-period runs from `now` (provisionally, if pre-activation). */
export function buildEntry(
  records: RecordStore,
  actor: string,
  request: KeyEntryRequest,
  checked: CheckedEntry,
  facts: EntryFacts,
  now: Date,
): KeyView {
  const at = now.toISOString();
  const state = request.preActivation ? 'pre-activation' : 'active';
  return {
    id: facts.id,
    name: checked.name,
    algorithm: facts.algorithm,
    sizeBits: ALGORITHM_BITS[facts.algorithm],
    purposes: checked.purposes,
    environment: request.environment?.trim() ?? 'production',
    classification: request.classification?.trim() ?? 'confidential',
    tier: checked.tier,
    owner: checked.owner.id,
    custodians: checked.custodians.map((c) => c.id),
    location: facts.location,
    publicOnly: facts.publicOnly,
    publicKey: facts.publicKey?.toString('base64') ?? null,
    fingerprint: facts.publicKey ? publicKeyFingerprint(facts.algorithm, facts.publicKey) : null,
    lineage: facts.lineage?.id ?? facts.id,
    version: facts.lineage?.version ?? 1,
    predecessor: facts.lineage?.predecessor ?? null,
    successor: null,
    publishedUntil: null,
    wrappedBy: facts.wrappedBy,
    labels: [...new Set((request.labels ?? []).map((label) => label.trim()))],
    notes: request.notes ?? '',
    state,
    cryptoPeriod: computeCryptoPeriod(
      policyRowFor(vaultPolicy(records), facts.algorithm, checked.purposes),
      now,
    ),
    createdAt: at,
    activatedAt: state === 'active' ? at : null,
    history: [{ from: null, to: state, at, by: actor, reason: facts.origin }],
    changes: [],
  };
}

/** A fresh key id: "k-" and 16 hex digits from the CSPRNG. */
export function newKeyId(): string {
  return `k-${randomBytes(8).toString('hex')}`;
}

/**
 * Runs `check` outside any transaction first (so slow work, such as RSA generation, starts
 * only for a request that will pass), recording a refusal in the audit log; then `write`
 * inside the audited transaction, where it checks again.
 */
export async function enterKey<C>(
  vault: UnlockedVault,
  event: AuditEvent,
  check: (records: RecordStore) => C,
  prepare: (checked: C) => Promise<Buffer | null>,
  write: (records: RecordStore, secret: Buffer | null) => KeyView,
): Promise<KeyView> {
  let checked: C;
  try {
    checked = vault.query(check);
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  const secret = await prepare(checked);
  try {
    return vault.apply(event, (records) => write(records, secret));
  } finally {
    // The private or secret key exists in plain only until it is sealed.
    zeroize(secret);
  }
}

/** Stores a new entry with its material (none for a key held elsewhere). Call in a transaction. */
export function storeEntry(records: RecordStore, key: KeyView, secret: Buffer | null): KeyView {
  if (secret) writeKeyMaterial(records, key, secret);
  else records.put(KEYS, key.id, { ...key }, Buffer.alloc(0));
  return key;
}

/**
 * Generates a key in the vault and enters it in the inventory, active (or pre-activation when
 * asked), with the crypto-period its policy row gives; with `wrappedBy`, held wrapped under
 * that AES-256 KEK. Throws BAD_REQUEST, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES,
 * POLICY_VIOLATION, POLICY_INVALID, KEY_NOT_FOUND / KEY_PURPOSE_MISMATCH / KEY_STATE_INVALID
 * (the KEK), AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function generateKey(
  vault: UnlockedVault,
  actor: string,
  request: GenerateKeyRequest,
  now: Date,
): Promise<KeyView> {
  const id = newKeyId();
  const event = {
    actor,
    action: 'key.generate',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { algorithm: request.algorithm, tier: request.tier ?? 3 },
  };
  const check = (records: RecordStore) => {
    if (!(GENERATED_ALGORITHMS as readonly string[]).includes(request.algorithm)) {
      throw badRequest(
        `The vault generates ${GENERATED_ALGORITHMS.join(', ')} keys; not "${request.algorithm}".`,
      );
    }
    const algorithm = request.algorithm as (typeof GENERATED_ALGORITHMS)[number];
    // A data key under a KEK is still whole in the vault, as far as the tier rules go.
    const checked = checkEntry(records, actor, request, algorithm, { kind: 'vault' });
    if (request.wrappedBy !== undefined) kekFor(records, request.wrappedBy, 'wrap');
    return { algorithm, checked };
  };
  let publicKey: Buffer | null = null;
  return enterKey(
    vault,
    event,
    check,
    async ({ algorithm }) => {
      const generated = await generateSoftwareKey(algorithm);
      publicKey = generated.publicKey;
      return generated.secret;
    },
    (records, secret) => {
      const { algorithm, checked } = check(records);
      const key = buildEntry(
        records,
        actor,
        request,
        checked,
        {
          id,
          algorithm,
          location: { kind: 'vault' },
          publicKey,
          publicOnly: false,
          wrappedBy: request.wrappedBy ?? null,
          origin: request.wrappedBy
            ? `generated in the vault, wrapped under ${request.wrappedBy}`
            : 'generated in the vault',
        },
        now,
      );
      return storeEntry(records, key, secret);
    },
  );
}

export interface RegisterKeyRequest extends KeyEntryRequest {
  algorithm: string;
  /** Where the key lives: a token (serial and CKA_ID) or an external reference. */
  location: KeyLocation;
  /** Its public key as DER SubjectPublicKeyInfo, when known (for verifying and fingerprints). */
  publicKey?: Buffer;
}

const PRINTABLE = /^[\x20-\x7e]+$/;

const printable = (value: unknown, max: number) =>
  typeof value === 'string' &&
  PRINTABLE.test(value) &&
  value.trim() === value &&
  value.length <= max;

/** Throws BAD_REQUEST unless `location` names a token object or an external reference precisely. */
function requireLocation(location: KeyLocation): void {
  switch (location.kind) {
    case 'token':
      if (!printable(location.serial, 64)) {
        throw badRequest(
          'A token serial is 1 to 64 printable characters, without surrounding spaces.',
        );
      }
      if (typeof location.ckaId !== 'string' || !/^(?:[0-9a-f]{2}){1,128}$/.test(location.ckaId))
        throw badRequest('A CKA_ID is 1 to 128 bytes written as lower-case hex.');
      return;
    case 'external':
      if (!printable(location.reference, 2048)) {
        throw badRequest(
          'An external reference (such as a KMS ARN) is 1 to 2048 printable characters, without surrounding spaces.',
        );
      }
      return;
    default:
      throw badRequest('A registered key lives outside the vault: on a token or at a reference.');
  }
}

/**
 * Enters a key that lives outside the vault (on a token, or in a cloud KMS or another
 * system) in the inventory, with its public key when given. Keywarden holds no material for
 * it. Throws BAD_REQUEST, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, POLICY_VIOLATION,
 * POLICY_INVALID, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function registerKey(
  vault: UnlockedVault,
  actor: string,
  request: RegisterKeyRequest,
  now: Date,
): Promise<KeyView> {
  const id = newKeyId();
  const event = {
    actor,
    action: 'key.register',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: { algorithm: request.algorithm, location: request.location.kind },
  };
  const check = (records: RecordStore) => {
    const algorithm = requireAlgorithm(request.algorithm);
    requireLocation(request.location);
    return { algorithm, checked: checkEntry(records, actor, request, algorithm, request.location) };
  };
  return enterKey(
    vault,
    event,
    check,
    () => Promise.resolve(null),
    (records) => {
      const { algorithm, checked } = check(records);
      const where =
        request.location.kind === 'token'
          ? `token ${request.location.serial}`
          : request.location.kind === 'external'
            ? request.location.reference
            : 'the vault';
      const key = buildEntry(
        records,
        actor,
        request,
        checked,
        {
          id,
          algorithm,
          location: request.location,
          publicKey: request.publicKey ?? null,
          publicOnly: false,
          wrappedBy: null,
          origin: `registered; lives at ${where}`,
        },
        now,
      );
      return storeEntry(records, key, null);
    },
  );
}
