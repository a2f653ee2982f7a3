import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  chainEntry,
  genesisHash,
  presenceChallenge,
  signingPayload,
} from '../../electron/core/ceremony/ceremony-transcript.ts';
import type {
  TranscriptDocument,
  TranscriptEntry,
  TranscriptHeader,
} from '../../electron/shared/ceremony-run-types.ts';

// Transcripts built in a test as the engine builds them: entries chained from a header, token
// presences signed over their challenge, the document signed by a ceremony key made here.

/** The ceremony key the test transcripts are signed with. */
export const ceremonyKey = generateKeyPairSync('ed25519');
/** Carol's token key, which signs her presence. */
export const carolToken = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const CAROL_ID = 'p-cccccccccccc';

/** A public key as the transcript holds it: SubjectPublicKeyInfo DER in base64. */
export const spki = (key: KeyObject) =>
  key.export({ format: 'der', type: 'spki' }).toString('base64');

/** Carol, present with her token: a participant as the transcript header lists one. */
export const CAROL = {
  name: 'Carol',
  person: CAROL_ID,
  role: 'custodian',
  presence: 'token',
  algorithm: 'p256',
  publicKey: spki(carolToken.publicKey),
} as const;

/** The ceremony key as the transcript header names its signer. */
export const SIGNER = {
  keyId: 'k-ceremony',
  algorithm: 'ed25519',
  publicKey: spki(ceremonyKey.publicKey),
  location: 'vault',
} as const;

/** Carol's token signature (base64) over the presence challenge at `head`. */
export function carolSigns(ceremony: string, step: string, head: string): string {
  return sign(
    'sha256',
    presenceChallenge(ceremony, step, CAROL_ID, head),
    carolToken.privateKey,
  ).toString('base64');
}

/** Entries chained from `header`, one at a minute past the last. */
export function chainFrom(header: TranscriptHeader) {
  const entries: TranscriptEntry[] = [];
  let head = genesisHash(header);
  return {
    entries,
    /** The hash the next entry chains to. */
    head: () => head,
    add(
      step: string | null,
      event: TranscriptEntry['event'],
      by: string | null,
      detail: TranscriptEntry['detail'] = {},
    ): void {
      const at = new Date(Date.UTC(2026, 10, 23, 1, entries.length)).toISOString();
      const entry = chainEntry(head, entries.length + 1, { at, step, event, by, detail });
      entries.push(entry);
      head = entry.hash;
    },
  };
}

/** The document of `entries` under `header`, chained afresh and signed by the ceremony key. */
export function signedTranscript(
  header: TranscriptHeader,
  entries: readonly TranscriptEntry[],
  status: TranscriptDocument['status'] = 'completed',
): TranscriptDocument {
  const chain = chainFrom(header);
  for (const { step, event, by, detail } of entries) chain.add(step, event, by, detail);
  const unsigned = {
    format: 'keywarden-ceremony-transcript' as const,
    version: 1 as const,
    header,
    entries: chain.entries,
    status,
    head: chain.head(),
    signature: { algorithm: 'ed25519', signedAt: '2026-11-23T02:00:00.000Z' },
  };
  const value = sign(null, signingPayload(unsigned), ceremonyKey.privateKey).toString('base64');
  return { ...unsigned, signature: { ...unsigned.signature, value } };
}
