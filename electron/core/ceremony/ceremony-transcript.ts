import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { CEREMONY_ROLE_NAMES, TRANSCRIPT_EVENTS } from '../../shared/ceremony-run-types.ts';
import type {
  TranscriptDocument,
  TranscriptEntry,
  TranscriptHeader,
  TranscriptVerification,
} from '../../shared/ceremony-run-types.ts';
import { canonicalJson } from './canonical-json.ts';

// A ceremony's evidence: a header (the ceremony, its template's digest, parameters,
// participants and the key that signs) and entries, each holding the hash of the one before,
// the first holding the header's. The document is signed over its canonical form, and its
// file is that canonical form exactly, so any byte changed in a transcript file fails: in the
// chain, in the signature, or as a file that is not in canonical form. An auditor verifies it
// with the ceremony key's public key alone.

export const TRANSCRIPT_FORMAT = 'keywarden-ceremony-transcript' as const;
export const TRANSCRIPT_VERSION = 1 as const;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The hash the first entry chains to: the header's. */
export function genesisHash(header: TranscriptHeader): string {
  return sha256(canonicalJson(header));
}

/** An entry's hash over every field but itself. */
function entryHash(entry: Omit<TranscriptEntry, 'hash'>): string {
  return sha256(canonicalJson(entry));
}

/** The next entry after `previous` (or the genesis hash), hashed. */
export function chainEntry(
  prev: string,
  seq: number,
  fields: Omit<TranscriptEntry, 'seq' | 'prev' | 'hash'>,
): TranscriptEntry {
  const unhashed = { ...fields, seq, prev };
  return { ...unhashed, hash: entryHash(unhashed) };
}

/**
 * What a participant's token signs to prove presence at a step: the ceremony, the step, the
 * person and the chain's head, so the signature cannot be replayed at another step.
 */
export function presenceChallenge(
  ceremony: string,
  step: string,
  person: string,
  head: string,
): Buffer {
  return Buffer.from(
    canonicalJson({ domain: 'keywarden-ceremony-presence-v1', ceremony, step, person, head }),
  );
}

/** The bytes the ceremony key signs: the whole document, its signature value left out. */
export function signingPayload(
  document: Omit<TranscriptDocument, 'signature'> & {
    signature: Omit<TranscriptDocument['signature'], 'value'>;
  },
): Buffer {
  const { signature, ...rest } = document;
  return Buffer.from(canonicalJson({ ...rest, signature: { ...signature, value: null } }));
}

/** The transcript file's text: the document's canonical form, indented, one final newline. */
export function renderTranscript(document: TranscriptDocument): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(document)), null, 2)}\n`;
}

/** The hash and signature scheme of each key algorithm that may sign a transcript. */
const SCHEMES: Readonly<Record<string, string | null>> = {
  ed25519: null,
  p256: 'sha256',
  p384: 'sha384',
  rsa2048: 'sha256',
  rsa3072: 'sha256',
  rsa4096: 'sha256',
};

/** Whether keys of `algorithm` can sign transcripts. */
export function canSignTranscripts(algorithm: string): boolean {
  return Object.hasOwn(SCHEMES, algorithm);
}

/**
 * The bytes of `text` when it is base64 exactly as Node writes it (padded, no spare bits), or
 * null: a signature spelt another way, with the same bytes, is still an edit to the file.
 */
function canonicalBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : null;
}

/** Whether `signature` (base64) over `data` verifies with an SPKI (DER, base64) key of `algorithm`. */
export function verifySignature(
  algorithm: string,
  publicKey: string | KeyObject,
  data: Buffer,
  signature: string,
): boolean {
  const hash = Object.hasOwn(SCHEMES, algorithm) ? SCHEMES[algorithm] : undefined;
  const signatureBytes = canonicalBase64(signature);
  const keyBytes = typeof publicKey === 'string' ? canonicalBase64(publicKey) : null;
  if (hash === undefined || !signatureBytes || (typeof publicKey === 'string' && !keyBytes))
    return false;
  try {
    const key = keyBytes
      ? createPublicKey({ key: keyBytes, format: 'der', type: 'spki' })
      : publicKey;
    return verify(hash, data, key as KeyObject, signatureBytes);
  } catch {
    return false;
  }
}

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** A transcript's shape, every object strict: a renamed or added field is not a transcript. */
const documentSchema = z
  .object({
    format: z.literal(TRANSCRIPT_FORMAT),
    version: z.literal(TRANSCRIPT_VERSION),
    header: z
      .object({
        ceremony: z.string(),
        vault: z.string(),
        template: z
          .object({ id: z.string(), version: z.number(), title: z.string(), digest: z.string() })
          .strict(),
        parameters: z.record(z.string(), detailValue),
        participants: z.array(
          z
            .object({
              name: z.string(),
              person: z.string(),
              role: z.enum(CEREMONY_ROLE_NAMES),
              presence: z.enum(['passphrase', 'token']),
              algorithm: z.string().optional(),
              publicKey: z.string().optional(),
            })
            .strict(),
        ),
        signer: z
          .object({
            keyId: z.string(),
            algorithm: z.string(),
            publicKey: z.string(),
            location: z.enum(['vault', 'token']),
          })
          .strict(),
        openedAt: z.string(),
      })
      .strict(),
    entries: z.array(
      z
        .object({
          seq: z.number().int(),
          at: z.string(),
          step: z.string().nullable(),
          event: z.enum(TRANSCRIPT_EVENTS),
          by: z.string().nullable(),
          detail: z.record(z.string(), detailValue),
          prev: hex64,
          hash: hex64,
        })
        .strict(),
    ),
    status: z.enum(['open', 'completed', 'aborted']),
    head: hex64,
    signature: z
      .object({ algorithm: z.string(), signedAt: z.string(), value: z.string() })
      .strict(),
  })
  .strict();

const broken = (why: string) => new KeywardenError(ErrorCode.TRANSCRIPT_INVALID, why);

/** Parses a transcript file; it must be in canonical form. Throws TRANSCRIPT_INVALID. */
function parseTranscript(text: string): TranscriptDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw broken('The file is not a transcript: it is not JSON.');
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (format !== TRANSCRIPT_FORMAT)
    throw broken('The file is not a Keywarden ceremony transcript.');
  const version = (parsed as { version?: unknown }).version;
  if (version !== TRANSCRIPT_VERSION)
    throw broken(
      `The transcript has version ${String(version)}; this Keywarden reads ${TRANSCRIPT_VERSION}.`,
    );
  const checked = documentSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw broken(`The transcript is malformed at ${issue?.path.join('.') || 'its top'}.`);
  }
  const document = checked.data as TranscriptDocument;
  if (renderTranscript(document) !== text)
    throw broken(
      'The file differs from the transcript it holds: it was edited after it was written.',
    );
  return document;
}

/** Checks the chain from the header to the head; returns the head. Throws TRANSCRIPT_INVALID. */
function checkChain(document: TranscriptDocument): string {
  let prev = genesisHash(document.header);
  for (const [i, entry] of document.entries.entries()) {
    const { hash, ...rest } = entry;
    if (entry.seq !== i + 1 || entry.prev !== prev || entryHash(rest) !== hash)
      throw broken(`Entry ${i + 1} of the transcript was changed, removed or moved.`);
    prev = hash;
  }
  if (document.head !== prev) throw broken('The transcript does not end where its head says.');
  return prev;
}

/** Checks each token-signed presence against the participant's public key. */
function checkPresence(document: TranscriptDocument): number {
  const { participants, ceremony } = document.header;
  const byToken = new Set(participants.filter((p) => p.presence === 'token').map((p) => p.name));
  let signed = 0;
  for (const entry of document.entries) {
    // A person's own entry carries their proof; an action's entry, each contributor's.
    const { signature, contributors, proofs } = entry.detail;
    const claims: Array<[string, string | undefined]> = [];
    if (entry.by !== null && entry.event !== 'action')
      claims.push([entry.by, typeof signature === 'string' ? signature : undefined]);
    if (Array.isArray(contributors) && Array.isArray(proofs)) {
      if (contributors.length !== proofs.length)
        throw broken(
          `Entry ${entry.seq} names ${contributors.length} contributors but ${proofs.length} proofs.`,
        );
      proofs.forEach((proof, i) => {
        const value = proof.startsWith('token:') ? proof.slice('token:'.length) : undefined;
        claims.push([contributors[i]!, value]);
      });
    }
    for (const [name, value] of claims) {
      // Someone who proves presence with a token proves it with a signature, every time.
      if (value === undefined) {
        if (byToken.has(name))
          throw broken(`Entry ${entry.seq} records ${name} without their token's signature.`);
        continue;
      }
      const who = participants.find((p) => p.name === name);
      if (!who?.publicKey || !who.algorithm)
        throw broken(`Entry ${entry.seq} is signed by ${name}, who has no key.`);
      const challenge = presenceChallenge(ceremony, entry.step ?? '', who.person, entry.prev);
      if (!verifySignature(who.algorithm, who.publicKey, challenge, value))
        throw broken(`Entry ${entry.seq}: ${name}'s token signature does not verify.`);
      signed += 1;
    }
  }
  return signed;
}

/**
 * Verifies a transcript file with the ceremony key's public key (PEM or DER SubjectPublicKeyInfo):
 * canonical form, the whole hash chain, each token-signed presence, and the ceremony key's
 * signature. Throws TRANSCRIPT_INVALID (malformed, edited, a broken chain or presence
 * signature) and TRANSCRIPT_SIGNATURE_INVALID (another key, or a signature that fails).
 */
export function verifyTranscript(text: string, publicKey: string | Buffer): TranscriptVerification {
  const document = parseTranscript(text);
  const head = checkChain(document);
  const presenceSignatures = checkPresence(document);
  let given: KeyObject;
  try {
    given =
      typeof publicKey === 'string'
        ? createPublicKey(publicKey)
        : createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
  } catch {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'The public key given is not a PEM or DER public key.',
    );
  }
  const givenDer = given.export({ format: 'der', type: 'spki' }).toString('base64');
  const signer = document.header.signer;
  if (givenDer !== signer.publicKey)
    throw new KeywardenError(
      ErrorCode.TRANSCRIPT_SIGNATURE_INVALID,
      'The transcript was signed by another key than the one given.',
    );
  const { value, ...unsigned } = document.signature;
  if (
    typeof value !== 'string' ||
    !verifySignature(
      signer.algorithm,
      given,
      signingPayload({ ...document, signature: unsigned }),
      value,
    )
  )
    throw new KeywardenError(
      ErrorCode.TRANSCRIPT_SIGNATURE_INVALID,
      "The ceremony key's signature over the transcript does not verify.",
    );
  return {
    ceremony: document.header.ceremony,
    template: document.header.template.id,
    status: document.status,
    entries: document.entries.length,
    head,
    presenceSignatures,
    signer: {
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      fingerprint: createHash('sha256').update(Buffer.from(givenDer, 'base64')).digest('hex'),
    },
    signedAt: document.signature.signedAt,
  };
}
