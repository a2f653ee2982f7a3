import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import {
  buildEntry,
  checkEntry,
  enterKey,
  newKeyId,
  registerKey,
  storeEntry,
} from './key-creation.ts';
import type { KeyEntryRequest, RegisterKeyRequest } from './key-creation.ts';
import { parseKeyFile } from './key-import-formats.ts';
import { kekFor } from './key-material.ts';
import type { ParsedKey } from './key-import-formats.ts';

// Importing keys made elsewhere: PEM (PKCS#8, encrypted PKCS#8, SPKI), OpenSSH private and
// public keys, and JWK. A private key enters the vault sealed like a generated one; a public
// key alone enters as a public-only entry that verifies and encrypts.

export interface ImportKeyRequest extends Omit<KeyEntryRequest, 'name'> {
  /** The key file's bytes (at most 1 MiB). */
  file: Uint8Array;
  /** The passphrase of an encrypted key file; the caller zeroes it. */
  passphrase?: Uint8Array;
  /** What a JWK "oct" key without "alg" is. */
  secretAlgorithm?: 'aes256' | 'hmac-sha256';
  /** Defaults to the file's comment (OpenSSH) or "kid" (JWK). */
  name?: string;
  wrappedBy?: string;
}

const asBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Parses a key file; the caller zeroes `secret`. Throws FORMAT_INVALID, FORMAT_UNSUPPORTED, PASSPHRASE_INCORRECT, BAD_REQUEST. */
function parse(request: {
  file: Uint8Array;
  passphrase?: Uint8Array;
  secretAlgorithm?: 'aes256' | 'hmac-sha256';
}): ParsedKey {
  return parseKeyFile(asBuffer(request.file), {
    ...(request.passphrase ? { passphrase: asBuffer(request.passphrase) } : {}),
    ...(request.secretAlgorithm ? { secretAlgorithm: request.secretAlgorithm } : {}),
  });
}

/**
 * Imports a key file into the vault and the inventory; the parsed private key is zeroed
 * whatever the outcome. Throws FORMAT_INVALID (malformed input), FORMAT_UNSUPPORTED (a
 * curve, size or cipher Keywarden does not hold), PASSPHRASE_REQUIRED, PASSPHRASE_INCORRECT,
 * BAD_REQUEST (purposes the key cannot serve; a public key with a KEK), KEY_NOT_FOUND /
 * KEY_PURPOSE_MISMATCH / KEY_NOT_HELD / KEY_STATE_INVALID (the KEK), PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, POLICY_VIOLATION, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function importKey(
  vault: UnlockedVault,
  actor: string,
  request: ImportKeyRequest,
  now: Date,
): Promise<KeyView> {
  const id = newKeyId();
  const event = { actor, action: 'key.import', target: id, outcome: Outcome.SUCCESS };
  let parsed: ParsedKey;
  try {
    parsed = parse(request);
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  const publicOnly = parsed.secret === null;
  const entry = {
    ...request,
    name: request.name ?? parsed.comment ?? `imported ${parsed.algorithm} key`,
  };
  const check = (records: RecordStore) => {
    if (publicOnly && request.wrappedBy !== undefined) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        'A public key alone is not wrapped under a KEK; drop --wrapped-by.',
      );
    }
    if (!publicOnly && request.wrappedBy !== undefined) kekFor(records, request.wrappedBy, 'wrap');
    return checkEntry(records, actor, entry, parsed.algorithm, { kind: 'vault' }, publicOnly);
  };
  try {
    return await enterKey(
      vault,
      { ...event, detail: { algorithm: parsed.algorithm, format: parsed.format } },
      check,
      () => Promise.resolve(parsed.secret),
      (records, secret) => {
        const key = buildEntry(
          records,
          actor,
          entry,
          check(records),
          {
            id,
            algorithm: parsed.algorithm,
            location: { kind: 'vault' },
            publicKey: parsed.publicKey,
            publicOnly,
            wrappedBy: request.wrappedBy ?? null,
            origin: `imported (${parsed.format})`,
          },
          now,
        );
        return storeEntry(records, key, secret);
      },
    );
  } finally {
    // Refused or stored, the plain private key is cleared here.
    zeroize(parsed.secret);
  }
}

/** The public key and algorithm of a registration, from its file and/or its stated algorithm. */
function publicKeyOf(
  file: Uint8Array | undefined,
  algorithm: string | undefined,
): { publicKey: Buffer | undefined; chosen: string } {
  let publicKey: Buffer | undefined;
  let fileAlgorithm: string | undefined;
  if (file) {
    const parsed = parse({ file });
    if (parsed.secret !== null) {
      zeroize(parsed.secret);
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        'The file holds a private key; register with the public key only (a key held elsewhere keeps its private half there).',
      );
    }
    publicKey = parsed.publicKey ?? undefined;
    fileAlgorithm = parsed.algorithm;
  }
  if (algorithm && fileAlgorithm && algorithm !== fileAlgorithm) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The public key is ${fileAlgorithm}, not ${algorithm}.`,
    );
  }
  const chosen = algorithm ?? fileAlgorithm;
  if (!chosen) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'Say the algorithm of a key registered without its public key.',
    );
  }
  return { publicKey, chosen };
}

/**
 * Registers a key held elsewhere, reading its public key (and algorithm) from a public key
 * file when one is given. A file holding a private key is refused: its material would not be
 * kept, and a private key does not belong in a registration. Throws as registerKey, and
 * FORMAT_INVALID, FORMAT_UNSUPPORTED, BAD_REQUEST (no algorithm, or one that disagrees with
 * the file).
 */
export async function registerKeyWithFile(
  vault: UnlockedVault,
  actor: string,
  request: Omit<RegisterKeyRequest, 'algorithm' | 'publicKey'> & {
    algorithm?: string;
    publicKeyFile?: Uint8Array;
  },
  now: Date,
): Promise<KeyView> {
  const { publicKeyFile, algorithm, ...rest } = request;
  let publicKey: Buffer | undefined;
  let chosen: string;
  try {
    ({ publicKey, chosen } = publicKeyOf(publicKeyFile, algorithm));
  } catch (error) {
    const event = { actor, action: 'key.register', target: 'keys', outcome: Outcome.SUCCESS };
    vault.recordFailure(event, error);
    throw error;
  }
  return registerKey(
    vault,
    actor,
    { ...rest, algorithm: chosen, ...(publicKey ? { publicKey } : {}) },
    now,
  );
}
