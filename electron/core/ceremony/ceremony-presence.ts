import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { Argon2id } from '../../../native/kdf/kdf.ts';
import { zeroize } from '../crypto/bytes.ts';
import { readKey } from '../inventory/key-inventory.ts';
import { findPerson } from '../inventory/people-registry.ts';
import type { RecordStore } from '../vault/record-store.ts';
import { canSignTranscripts } from './ceremony-transcript.ts';

// How each person proves they are present at a ceremony: a personal passphrase (an Argon2id
// verifier is kept, in the vault's encrypted records), or a signature by a key on their own
// token (an inventory key they own, whose public key is kept), made with their PIN. The
// passphrase proves knowledge at the keyboard; the token signature is also evidence an
// auditor can check in the transcript.

export const PRESENCE = 'presence';

/** Argon2id for presence passphrases: about a tenth of a second each, every step they prove. */
const PRESENCE_KDF = { memoryKiB: 65_536, iterations: 3, parallelism: 4 } as const;
const MIN_PASSPHRASE_BYTES = 8;

export type PresenceFactor =
  | { method: 'passphrase'; salt: string; verifier: string }
  | { method: 'token'; keyId: string; algorithm: string; publicKey: string };

async function verifierOf(argon2: Argon2id, passphrase: Uint8Array, salt: Buffer): Promise<Buffer> {
  return argon2.derive({ ...PRESENCE_KDF, password: passphrase, salt, hashLength: 32 });
}

/**
 * A passphrase presence factor for a person: a fresh salt and its Argon2id verifier. Throws
 * BAD_REQUEST (shorter than 8 bytes).
 */
export async function passphrasePresence(
  argon2: Argon2id,
  passphrase: Uint8Array,
): Promise<PresenceFactor> {
  if (passphrase.length < MIN_PASSPHRASE_BYTES)
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A presence passphrase has at least ${MIN_PASSPHRASE_BYTES} characters.`,
    );
  const salt = randomBytes(16);
  const verifier = await verifierOf(argon2, passphrase, salt);
  try {
    return {
      method: 'passphrase',
      salt: salt.toString('base64'),
      verifier: verifier.toString('base64'),
    };
  } finally {
    zeroize(verifier);
  }
}

/**
 * A token presence factor: key `keyId` must be a signing key on a token, owned by the person,
 * of an algorithm whose signatures the transcript can carry. Call in a read. Throws
 * KEY_NOT_FOUND, BAD_REQUEST (not on a token, not theirs, cannot sign), PERSON_NOT_FOUND.
 */
export function tokenPresence(records: RecordStore, person: string, keyId: string): PresenceFactor {
  const who = findPerson(records, person);
  const key = readKey(records, keyId);
  const refuse = (why: string) => new KeywardenError(ErrorCode.BAD_REQUEST, `Key ${keyId} ${why}`);
  if (key.location.kind !== 'token') throw refuse('is not on a token.');
  if (key.owner !== who.id)
    throw refuse(`is not ${who.name}'s: each person proves presence with their own token.`);
  if (!key.purposes.includes('sign') || !key.publicKey || !canSignTranscripts(key.algorithm))
    throw refuse('cannot sign presence challenges (a P-256, P-384 or RSA signing key is needed).');
  return { method: 'token', keyId, algorithm: key.algorithm, publicKey: key.publicKey };
}

/** Records a person's presence factor, replacing any before. Call in a transaction. */
export function savePresence(records: RecordStore, person: string, factor: PresenceFactor): void {
  const who = findPerson(records, person);
  records.put(
    PRESENCE,
    who.id,
    { person: who.id, method: factor.method },
    Buffer.from(JSON.stringify(factor)),
  );
}

/** How each enrolled person proves presence, by person id, from the records' metadata alone. */
export function presenceMethods(records: RecordStore): Map<string, PresenceFactor['method']> {
  return new Map(
    records
      .list(PRESENCE)
      .map((record) => [
        record.recordId,
        (record.meta as { method: PresenceFactor['method'] }).method,
      ]),
  );
}

/** A person's presence factor. Throws PRESENCE_NOT_ENROLLED, PERSON_NOT_FOUND. */
export function readPresence(records: RecordStore, personId: string): PresenceFactor {
  if (!records.list(PRESENCE).some((record) => record.recordId === personId)) {
    const who = findPerson(records, personId);
    throw new KeywardenError(
      ErrorCode.PRESENCE_NOT_ENROLLED,
      `${who.name} has no presence factor: run "keywarden people presence ${who.name}" first.`,
    );
  }
  const body = records.readBody(PRESENCE, personId);
  try {
    return JSON.parse(body.toString('utf8')) as PresenceFactor;
  } finally {
    zeroize(body);
  }
}

/**
 * Checks a passphrase proof against the person's verifier. Throws PRESENCE_NOT_PROVEN (the
 * wrong passphrase, or a proof of another kind than the one enrolled).
 */
export async function provePassphrase(
  argon2: Argon2id,
  factor: PresenceFactor,
  name: string,
  passphrase: Uint8Array,
): Promise<void> {
  if (factor.method !== 'passphrase')
    throw new KeywardenError(
      ErrorCode.PRESENCE_NOT_PROVEN,
      `${name} proves presence with their token.`,
    );
  const expected = Buffer.from(factor.verifier, 'base64');
  const derived = await verifierOf(argon2, passphrase, Buffer.from(factor.salt, 'base64'));
  try {
    if (!timingSafeEqual(derived, expected))
      throw new KeywardenError(
        ErrorCode.PRESENCE_NOT_PROVEN,
        `That is not ${name}'s presence passphrase.`,
      );
  } finally {
    zeroize(derived, expected);
  }
}
