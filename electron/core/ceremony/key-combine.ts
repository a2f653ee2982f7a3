import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { KEY_ALGORITHMS } from '../../shared/inventory-types.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import { importKey } from '../inventory/key-import.ts';
import type { ImportKeyRequest } from '../inventory/key-import.ts';
import { parseKeyFile } from '../inventory/key-import-formats.ts';
import { writePemBlock } from '../inventory/key-file-text.ts';
import type { UnlockedVault } from '../vault/vault.ts';
import { combineShares } from './shares.ts';
import type { ShareObject } from './shares.ts';
import { isShareText } from './share-text.ts';
import { combineMnemonics } from './slip39.ts';
import { keyCheckValue } from './kcv.ts';

// Rebuilding a key from the pieces of a split: Keywarden shares (files, or typed or scanned
// from a printed sheet) or SLIP-39 mnemonics, into the vault as a new key, as an import would
// enter it. The shares' own check value and fingerprint are verified first, so a wrong key is
// never entered. Secret keys come back as their raw bytes, private keys as PKCS#8 DER.

/** Secret keys, split as their raw bytes (the only kind SLIP-39 words carry). */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['aes256', 'hmac-sha256']);
/** Every kind whose material the vault holds: secret keys, and private keys as PKCS#8 DER. */
export const SPLITTABLE: ReadonlySet<string> = new Set(KEY_ALGORITHMS);

/** Whether a share file holds SLIP-39 words rather than a Keywarden share (JSON or text form). */
export function isMnemonic(text: string): boolean {
  return !text.trimStart().startsWith('{') && !isShareText(text);
}

/**
 * Rebuilds a secret key from SLIP-39 mnemonics (no passphrase) and enters it as a new key of
 * `algorithm`. Whether this vault recorded a split of that key (by its check value) is reported.
 * Throws QUORUM_NOT_MET, SHARE_INVALID and the import codes.
 */
export async function combineMnemonicsToVaultKey(
  vault: UnlockedVault,
  actor: string,
  mnemonics: readonly string[],
  algorithm: string,
  entry: CombineRequest,
  now: Date,
): Promise<{ key: KeyView; ceremony: string; kcv: string; recorded: boolean }> {
  const event = { actor, action: 'key.combine', target: 'slip39', outcome: Outcome.SUCCESS };
  let secret: Buffer | null = null;
  try {
    secret = combineMnemonics(mnemonics);
    const kcv = keyCheckValue(secret);
    const record = vault
      .listAudit()
      // The latest split of this key (a key may be split again, into another format).
      .findLast((e) => e.action === 'key.split' && e.outcome === 'success' && e.detail.kcv === kcv);
    const key = await enterSecretKey(vault, actor, secret, algorithm, entry, now);
    const ceremony = typeof record?.detail.ceremony === 'string' ? record.detail.ceremony : '';
    const detail = {
      format: 'slip39',
      kcv,
      shares: mnemonics.length,
      recorded: record !== undefined,
    };
    vault.apply({ ...event, target: key.id, detail }, () => undefined);
    return { key, ceremony, kcv, recorded: record !== undefined };
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  } finally {
    zeroize(secret);
  }
}

export interface CombineRequest extends Omit<
  ImportKeyRequest,
  'file' | 'passphrase' | 'secretAlgorithm'
> {
  name: string;
}

/**
 * Rebuilds a secret key from shares and enters it into the vault as a new key (as an import
 * would). Whether this vault recorded the split is reported; the shares' own check value and
 * fingerprint are verified either way. Throws QUORUM_NOT_MET, SHARE_INVALID, FORMAT_UNSUPPORTED,
 * and the import codes.
 */
export async function combineToVaultKey(
  vault: UnlockedVault,
  actor: string,
  shares: readonly ShareObject[],
  names: readonly string[],
  entry: CombineRequest,
  now: Date,
): Promise<{ key: KeyView; ceremony: string; kcv: string; recorded: boolean }> {
  const event = {
    actor,
    action: 'key.combine',
    target: shares[0]?.ceremony ?? '',
    outcome: Outcome.SUCCESS,
  };
  let secret: Buffer;
  try {
    secret = await combineShares(shares, names);
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  const first = shares[0]!;
  try {
    const key = await enterSecretKey(vault, actor, secret, first.algorithm, entry, now);
    const recorded = vault
      .listAudit()
      .some(
        (e) =>
          e.action === 'key.split' &&
          e.outcome === 'success' &&
          e.detail.ceremony === first.ceremony,
      );
    const detail = { ceremony: first.ceremony, kcv: first.kcv, shares: shares.length, recorded };
    vault.apply({ ...event, target: key.id, detail }, () => undefined);
    return { key, ceremony: first.ceremony, kcv: first.kcv, recorded };
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  } finally {
    zeroize(secret);
  }
}

/**
 * Enters a rebuilt secret key into the vault as a new key, as an import would (its entry
 * checked, audited as key.import). `secret` stays the caller's to zero. Throws
 * FORMAT_UNSUPPORTED (not a secret key kind) and the import codes.
 */
export async function enterSecretKey(
  vault: UnlockedVault,
  actor: string,
  secret: Buffer,
  algorithm: string,
  entry: CombineRequest,
  now: Date,
): Promise<KeyView> {
  if (!SECRET_KEYS.has(algorithm))
    return enterPrivateKey(vault, actor, secret, algorithm, entry, now);
  // A JWK "oct" key is the one import path for a raw secret key. Its base64 passes through a
  // string, which cannot be wiped; the buffer that holds the file is.
  const jwk = Buffer.from(JSON.stringify({ kty: 'oct', k: secret.toString('base64url') }));
  try {
    return await importKey(
      vault,
      actor,
      { ...entry, file: jwk, secretAlgorithm: algorithm as 'aes256' | 'hmac-sha256' },
      now,
    );
  } finally {
    zeroize(jwk);
  }
}

/**
 * Enters a rebuilt private key (PKCS#8 DER) as an import would, refusing one whose kind is
 * not what the shares say. Its PEM passes through a string, which cannot be wiped; the
 * buffers that hold it are. Throws FORMAT_UNSUPPORTED, SHARE_INVALID, and the import codes.
 */
async function enterPrivateKey(
  vault: UnlockedVault,
  actor: string,
  der: Buffer,
  algorithm: string,
  entry: CombineRequest,
  now: Date,
): Promise<KeyView> {
  if (!SPLITTABLE.has(algorithm))
    throw new KeywardenError(
      ErrorCode.FORMAT_UNSUPPORTED,
      `The pieces hold a ${algorithm}, which this Keywarden does not hold.`,
    );
  const pem = Buffer.from(writePemBlock('PRIVATE KEY', der));
  try {
    const parsed = parseKeyFile(pem);
    try {
      if (parsed.algorithm !== algorithm)
        throw new KeywardenError(
          ErrorCode.SHARE_INVALID,
          `The shares say ${algorithm} but rebuild a ${parsed.algorithm} key; they were not made by Keywarden.`,
        );
    } finally {
      zeroize(parsed.secret);
    }
    return await importKey(vault, actor, { ...entry, file: pem }, now);
  } finally {
    zeroize(pem);
  }
}
