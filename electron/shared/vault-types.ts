// Plain data about a vault and its audit log, as core returns it and as it crosses IPC.
// None of these types holds a secret.

/** Argon2id cost parameters: memory in KiB, iterations (t) and lanes (p). */
export interface KdfParams {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** Public description of an unlock slot. */
export interface SlotSummary {
  slotId: number;
  kind: string;
  createdAt: string;
  kdf?: KdfParams;
  /** A keychain slot's keeper: 'os-keyring' (the CLI's keychain binding) or 'safe-storage' (the app). */
  sealer?: string;
  /** The name people gave the slot, when they did. */
  name?: string;
  /** The factors of a device, combined or quorum slot, in words ("TPM, PCR 7", "token 1234 key 01"). */
  factors?: string[];
  /** A quorum slot: how many of its factors open it. */
  threshold?: number;
}

/** What adding an unlock slot did. */
export interface SlotAdded {
  slotId: number;
  kind: string;
  factors: string[];
  threshold?: number;
  name?: string;
}

/** What removing an unlock slot did. */
export interface SlotRemoval {
  slotId: number;
  kind: string;
  /** For a keychain slot: whether its keychain item was deleted too. */
  keychainItemDeleted?: boolean;
}

/** The public header of a vault: what can be shown without unlocking. */
export interface VaultHeader {
  path: string;
  vaultId: string;
  formatVersion: number;
  createdAt: string;
  slots: SlotSummary[];
}

/** The result of authenticating a whole vault file. */
export interface VaultStatus {
  header: VaultHeader;
  records: Record<string, number>;
  auditEntries: number;
  authenticated: number;
}

export type AuditOutcome = 'success' | 'failure';
export type AuditDetail = Record<string, string | number | boolean>;

/** One entry of the audit log. */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: AuditDetail;
  hash: string;
}

/** What a verification of the audit chain found; `firstBad` names the first bad entry. */
export interface AuditVerification {
  intact: boolean;
  entries: number;
  firstBad?: { seq: number; reason: string };
  checkpoint: 'verified' | 'not-checked' | 'missing';
  checkpointSeq?: number;
  /** Entries after the checkpoint: failed unlock attempts recorded while locked. */
  uncheckpointed: number;
}
