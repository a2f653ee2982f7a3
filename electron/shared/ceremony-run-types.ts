// Ceremonies run from templates, and their transcripts: what crosses IPC and what a transcript
// file holds. Ids, names, check values, fingerprints and signatures; never a secret.

export const CEREMONY_ROLE_NAMES = ['administrator', 'custodian', 'witness', 'auditor'] as const;
export type CeremonyRoleName = (typeof CEREMONY_ROLE_NAMES)[number];
export type CeremonyStatus = 'open' | 'completed' | 'aborted';
export type DetailValue = string | number | boolean | null | string[];

/** Someone taking part, and how they prove they are present. */
export interface TranscriptParticipant {
  name: string;
  /** The registry's id of the person. */
  person: string;
  role: CeremonyRoleName;
  presence: 'passphrase' | 'token';
  /** Token presence: the key that signs (algorithm, SPKI DER in base64). */
  algorithm?: string;
  publicKey?: string;
}

export interface TranscriptHeader {
  ceremony: string;
  /** The vault's id (hex). */
  vault: string;
  template: { id: string; version: number; title: string; digest: string };
  parameters: Record<string, DetailValue>;
  participants: TranscriptParticipant[];
  /** The ceremony key: an inventory key that signs the transcript. */
  signer: { keyId: string; algorithm: string; publicKey: string; location: 'vault' | 'token' };
  openedAt: string;
}

export const TRANSCRIPT_EVENTS = [
  'presence',
  'acknowledged',
  'action',
  'signed-off',
  'aborted',
  'resumed',
  'completed',
] as const;
export type TranscriptEvent = (typeof TRANSCRIPT_EVENTS)[number];

export interface TranscriptEntry {
  seq: number;
  at: string;
  /** The step's id (null for the ceremony's own events: aborted, resumed, completed). */
  step: string | null;
  event: TranscriptEvent;
  /** The participant's name, or null for the vault's own entries. */
  by: string | null;
  detail: Record<string, DetailValue>;
  prev: string;
  hash: string;
}

export interface TranscriptDocument {
  format: 'keywarden-ceremony-transcript';
  version: 1;
  header: TranscriptHeader;
  entries: TranscriptEntry[];
  status: CeremonyStatus;
  head: string;
  signature: { algorithm: string; signedAt: string; value: string };
}

/** What `ceremony verify` found in a transcript that verifies. */
export interface TranscriptVerification {
  ceremony: string;
  template: string;
  status: CeremonyStatus;
  entries: number;
  head: string;
  /** Presences proven by a token signature, each checked against the participant's key. */
  presenceSignatures: number;
  signer: { keyId: string; algorithm: string; fingerprint: string };
  signedAt: string;
}

export interface CeremonyStepView {
  id: string;
  kind: 'presence' | 'acknowledge' | 'action' | 'sign-off';
  title: string;
  text: string;
  action?: string;
  state: 'done' | 'due' | 'later';
  /** Who has acted on this step, and who still must. */
  done: string[];
  waiting: string[];
}

/** A ceremony as people follow it: its steps, who is due next, and its transcript so far. */
export interface CeremonyView {
  id: string;
  template: { id: string; version: number; title: string };
  status: CeremonyStatus;
  parameters: Record<string, DetailValue>;
  participants: Array<{ name: string; role: CeremonyRoleName; presence: 'passphrase' | 'token' }>;
  steps: CeremonyStepView[];
  /** The step due and who must act on it next (null once the ceremony has ended). */
  next: { step: string; by: string } | null;
  entries: TranscriptEntry[];
  signer: string;
  openedAt: string;
}

/** A template as offered to people. */
export interface CeremonyTemplateView {
  id: string;
  version: number;
  title: string;
  summary: string;
  parameters: Array<{
    name: string;
    kind: string;
    label: string;
    optional: boolean;
    default?: string | number;
    choices?: string[];
  }>;
  roles: Record<CeremonyRoleName, { min: number; max: number }>;
  steps: Array<{ id: string; kind: string; title: string; text: string }>;
}

/** A ceremony in the list. */
export interface CeremonySummary {
  id: string;
  template: string;
  title: string;
  status: CeremonyStatus;
  openedAt: string;
  steps: number;
  stepsDone: number;
}
