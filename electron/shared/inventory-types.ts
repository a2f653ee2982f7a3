import type { KeyProvenance } from './token-types.ts';

// The words of the key inventory, shared by core, the IPC contract, the CLI and the UI:
// algorithms, purposes, lifecycle states, people's roles, and the crypto-period policy table.

export const KEY_ALGORITHMS = [
  'ed25519',
  'x25519',
  'p256',
  'p384',
  'rsa2048',
  'rsa3072',
  'rsa4096',
  'aes256',
  'hmac-sha256',
] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/**
 * The algorithms the vault generates keys for. RSA-2048 (112-bit security, acceptable only
 * through 2030 by SP 800-57) is held when imported or found on a token, never generated.
 */
export const GENERATED_ALGORITHMS = [
  'ed25519',
  'x25519',
  'p256',
  'p384',
  'rsa3072',
  'rsa4096',
  'aes256',
  'hmac-sha256',
] as const satisfies readonly KeyAlgorithm[];
export type GeneratedAlgorithm = (typeof GENERATED_ALGORITHMS)[number];

export const PURPOSES = [
  'sign',
  'verify',
  'encrypt',
  'decrypt',
  'wrap',
  'unwrap',
  'mac',
  'derive',
  'agree',
  'ssh-auth',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** NIST SP 800-57 / KMIP / CycloneDX CBOM states, plus the cancellable destruction window. */
export const KEY_STATES = [
  'pre-activation',
  'active',
  'suspended',
  'deactivated',
  'destruction-pending',
  'destroyed',
  'compromised',
  'destroyed-compromised',
] as const;
export type KeyState = (typeof KEY_STATES)[number];

/**
 * What each algorithm may be used for. The vault refuses any other purpose; the screens offer
 * only these.
 */
export const ALGORITHM_PURPOSES: Readonly<Record<KeyAlgorithm, readonly Purpose[]>> = {
  ed25519: ['sign', 'verify', 'ssh-auth'],
  x25519: ['agree', 'derive'],
  p256: ['sign', 'verify', 'agree', 'derive', 'ssh-auth'],
  p384: ['sign', 'verify', 'agree', 'derive', 'ssh-auth'],
  rsa2048: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'ssh-auth'],
  rsa3072: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'ssh-auth'],
  rsa4096: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'ssh-auth'],
  aes256: ['encrypt', 'decrypt', 'wrap', 'unwrap', 'derive'],
  'hmac-sha256': ['mac', 'verify', 'derive'],
};

export const ROLES = ['officer', 'custodian', 'witness', 'auditor', 'engineer'] as const;
export type Role = (typeof ROLES)[number];

export const TIERS = [1, 2, 3, 4] as const;
export type Tier = (typeof TIERS)[number];

// The policy table's schema is in policy-schema.ts, so that modules the renderer imports for
// these words do not pull zod into its bundle.
export type { PolicyRow, PolicyTable } from './policy-schema.ts';

/** A key's crypto-period: when it stops applying protection, and when it stops processing. */
export interface CryptoPeriod {
  policyRow: string;
  /** ISO date; null for a key type with no originator use (a public verification key). */
  originatorUsageEnd: string | null;
  recipientUsageEnd: string;
}

/** A person in the vault's registry. */
export interface PersonView {
  id: string;
  name: string;
  roles: Role[];
  /** How they prove presence in ceremonies, once enrolled (people:list says; never the factor). */
  presence?: 'passphrase' | 'token';
}

/** Where a key lives. */
export type KeyLocation =
  | { kind: 'vault' }
  | {
      kind: 'token';
      serial: string;
      ckaId: string;
      /** The PKCS#11 module it was reached through, remembered so a later use needs only the id. */
      module?: string;
    }
  | { kind: 'external'; reference: string };

/** One step of a key's lifecycle: who moved it, when and why. */
export interface KeyTransition {
  from: KeyState | null;
  to: KeyState;
  at: string;
  by: string;
  reason: string;
}

/** An edit of a key's inventory entry (owner, custodians, labels, ...): who, when, what, why. */
export interface KeyChange {
  at: string;
  by: string;
  /** The fields changed, with their values before and after (person ids for people). */
  fields: Record<string, { from: unknown; to: unknown }>;
  reason: string;
}

/** The record of a key's destruction: it outlives the key material. */
export interface DestructionRecord {
  authorisedBy: string;
  witness: string;
  scheduledAt: string;
  /** The end of the pending window: the key cannot be destroyed before it. */
  notBefore: string;
  performedBy?: string;
  performedAt?: string;
  method?: string;
}

/** One version of a logical key (its lineage), as keys:show lists them. */
export interface KeyVersionView {
  id: string;
  version: number;
  state: KeyState;
  createdAt: string;
  activatedAt: string | null;
}

/**
 * What may be done with a key now, worked out by keys:show from the lifecycle and the key's
 * place, so that no caller repeats the state machine. Each says whether that channel would
 * accept the key as it is (people and PINs are checked when it is called).
 */
export interface KeyActions {
  /** The states keys:transition may move it to now; the destruction states are not among them. */
  transitions: KeyState[];
  /** keys:rotate: the newest version, active, suspended or compromised, held by the vault. */
  rotate: boolean;
  /**
   * keys:destroy: `schedule` a deactivated key's destruction, `carry-out` one whose window has
   * passed, `destroy-now` a compromised key; null when it would refuse.
   */
  destroy: 'schedule' | 'carry-out' | 'destroy-now' | null;
  /** keys:destroy needs the token's PIN now: a token key whose objects it would destroy. */
  destroyNeedsPin: boolean;
  /** keys:cancel-destroy: a pending destruction not yet begun on a token. */
  cancelDestroy: boolean;
  /** keys:export-public: the key has a public key. */
  exportPublic: boolean;
  /** keys:csr: an active signing key the vault holds. */
  csr: boolean;
}

/** A key as the inventory shows it. Never holds private or secret key material. */
export interface KeyView {
  id: string;
  name: string;
  algorithm: KeyAlgorithm;
  sizeBits: number;
  purposes: Purpose[];
  environment: string;
  classification: string;
  tier: Tier;
  /** Person ids: an owner is always a person, never a team. */
  owner: string;
  custodians: string[];
  location: KeyLocation;
  /**
   * For a key on a token, as shown (not stored): whether its token is attached now. A key
   * whose token is absent is still in the inventory; it is only out of reach.
   */
  tokenPresent?: boolean;
  /** For a key on a token: the attributes that prove where it was born and that it cannot leave. */
  provenance?: KeyProvenance;
  /** True when only the public key was imported: it verifies and encrypts, never signs or decrypts. */
  publicOnly: boolean;
  /** The public key as base64 DER SubjectPublicKeyInfo; null for a secret (symmetric) key. */
  publicKey: string | null;
  /**
   * "SHA256:" and unpadded base64, as OpenSSH writes it: over the SSH encoding for key types SSH
   * knows (so it matches ssh-keygen -l), else over the SubjectPublicKeyInfo; null for a secret key.
   */
  fingerprint: string | null;
  /** The logical key this is a version of: the id of its first version. */
  lineage: string;
  version: number;
  predecessor: string | null;
  successor: string | null;
  /**
   * For a rotated signing key: the end of the transition window in which its public key stays
   * published for verification beside its successor's.
   */
  publishedUntil: string | null;
  /**
   * A data key held wrapped (RFC 5649) under this vault key-encryption key version, rather
   * than under the vault's own envelope key alone; rotating the KEK rewraps it.
   */
  wrappedBy: string | null;
  labels: string[];
  notes: string;
  state: KeyState;
  cryptoPeriod: CryptoPeriod;
  createdAt: string;
  activatedAt: string | null;
  history: KeyTransition[];
  changes: KeyChange[];
  destruction?: DestructionRecord;
  /**
   * A token key whose objects' destruction on the token has begun (recorded before the first
   * C_DestroyObject): its destruction can no longer be cancelled, only finished.
   */
  destructionBegun?: { at: string; by: string };
  /** As keys:show gives it (not stored): the fingerprint's bytes in PGP words, to read aloud. */
  fingerprintWords?: string[];
  /** As keys:show gives it (not stored): every version of its lineage, oldest first. */
  versions?: KeyVersionView[];
  /** As keys:show gives it (not stored): what its state and place allow now. */
  actions?: KeyActions;
}
