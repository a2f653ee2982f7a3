import { randomUUID } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import { readKey, requireOperator } from '../inventory/key-inventory.ts';
import { readKeyMaterial } from '../inventory/key-material.ts';
import { findPerson } from '../inventory/people-registry.ts';
import { confirmRecentUnlock } from '../vault/slot-management.ts';
import type { UnlockedVault, VaultDeps } from '../vault/vault.ts';
import { encodeShare, splitSecret } from './shares.ts';
import { generateMnemonics } from './slip39.ts';
import { SECRET_KEYS, SPLITTABLE } from './key-combine.ts';
import { keyCheckValue, secretFingerprint } from './kcv.ts';
import type { SplitResult } from './shares.ts';

// Splitting a vault key among custodians: Keywarden share objects (with printed sheets if
// asked) of a secret key's bytes or a private key's PKCS#8, or SLIP-39 mnemonics of a secret
// key. The shares leave the vault only through the result of splitVaultKey, after the split is
// recorded (ceremony id, format, threshold, custodians, check value and fingerprint: never the
// key or a share) in the audit log. Rebuilding is key-combine.ts.

const LIVE = new Set(['pre-activation', 'active', 'suspended', 'deactivated']);

export interface SplitKeyRequest {
  keyId: string;
  threshold: number;
  /** Registered people with the custodian role, one share each. */
  custodians: string[];
  /**
   * Keywarden's share objects (default); the same with a printed sheet each (a PDF page with
   * the share's text form and QR code); or SLIP-39 mnemonics (words a custodian can write).
   */
  format?: 'file' | 'pdf' | 'slip39';
}

/** A split as its pieces' texts: what each custodian's `.share` file holds. */
export interface KeySplit {
  ceremony: string;
  kcv: string;
  fingerprint: string;
  /** One per custodian, in order. Secret: written once, never stored; the caller zeroes sheets. */
  pieces: Array<{ index: number; custodian: string; text: string; sheet?: Buffer }>;
}

/**
 * Splits vault key `keyId` k-of-n among its custodians; returns the shares, and for format
 * 'pdf' a printed sheet each (secret: the caller writes each once and drops it). Needs a recent
 * unlock; audited as key.split once everything to hand out is made. Throws REAUTH_REQUIRED,
 * KEY_NOT_FOUND, KEY_NOT_HELD, KEY_STATE_INVALID, FORMAT_UNSUPPORTED (not a secret key; the
 * fonts for printing missing), PERSON_NOT_FOUND, BAD_REQUEST (shape; a custodian without the role),
 * SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function splitVaultKey(
  vault: UnlockedVault,
  deps: VaultDeps,
  actor: string,
  request: SplitKeyRequest,
): Promise<KeySplit> {
  const event = { actor, action: 'key.split', target: request.keyId, outcome: Outcome.SUCCESS };
  const read = readForCustodians(vault, deps, event, request.keyId, request.custodians);
  const { material, algorithm, custodians } = read;
  let split: KeySplit;
  try {
    if (request.format === 'slip39') {
      if (!SECRET_KEYS.has(algorithm))
        throw new KeywardenError(
          ErrorCode.FORMAT_UNSUPPORTED,
          `SLIP-39 words carry secret keys (aes256, hmac-sha256); split this ${algorithm} private key into share files.`,
        );
      split = slip39Split(material, request.threshold, custodians);
    } else {
      const shares = await splitSecret(material, request.threshold, custodians, algorithm);
      let sheets: Buffer[] = [];
      if (request.format === 'pdf') {
        // Loaded only for a split that prints: pdfkit alone takes a quarter of a second to load.
        const { renderShareSheets } = await import('./share-sheet.ts');
        sheets = await renderShareSheets(shares.shares, { id: request.keyId, name: read.keyName });
      }
      split = piecesOf(shares, sheets);
    }
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  } finally {
    zeroize(material);
  }
  const detail = {
    ceremony: split.ceremony,
    format: request.format ?? 'file',
    threshold: request.threshold,
    shares: custodians.length,
    custodians: custodians.join(', '),
    kcv: split.kcv,
    fingerprint: split.fingerprint,
  };
  // The shares are handed over only once the split is on the record.
  try {
    vault.apply({ ...event, detail }, () => undefined);
  } catch (error) {
    for (const piece of split.pieces) zeroize(piece.sheet);
    throw error;
  }
  return split;
}

function piecesOf(split: SplitResult, sheets: readonly Buffer[]): KeySplit {
  return {
    ceremony: split.ceremony,
    kcv: split.kcv,
    fingerprint: split.fingerprint,
    pieces: split.shares.map((share, i) => ({
      index: share.index,
      custodian: share.custodian,
      text: encodeShare(share),
      ...(sheets[i] ? { sheet: sheets[i] } : {}),
    })),
  };
}

/**
 * A SLIP-39 split: one group of `threshold` of n members, no passphrase (the mnemonics are the
 * custodians' to guard, as the shares are). The words carry no algorithm; combining asks for it.
 */
function slip39Split(secret: Uint8Array, threshold: number, custodians: string[]): KeySplit {
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > custodians.length) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A split needs 2 ≤ threshold ≤ custodians; got threshold ${String(threshold)} of ${custodians.length}.`,
    );
  }
  const [group] = generateMnemonics(secret, {
    groupThreshold: 1,
    groups: [[threshold, custodians.length]],
  });
  return {
    ceremony: randomUUID(),
    kcv: keyCheckValue(secret),
    fingerprint: secretFingerprint(secret),
    pieces: (group ?? []).map((mnemonic, i) => ({
      index: i + 1,
      custodian: custodians[i]!,
      text: `${mnemonic}\n`,
    })),
  };
}

/**
 * Reads a secret key's material for dividing among registered custodians, after checking the
 * unlock is recent, the actor may operate keys, each custodian has the role, and the key is a
 * live secret key. A refusal is audited as a failure of `event`. The caller zeroes `material`.
 */
export function readForCustodians(
  vault: UnlockedVault,
  deps: VaultDeps,
  event: { actor: string; action: string; target: string; outcome: typeof Outcome.SUCCESS },
  keyId: string,
  names: readonly string[],
): { material: Buffer; algorithm: string; keyName: string; custodians: string[] } {
  confirmRecentUnlock(vault, deps, event.actor, event.action);
  try {
    return vault.query((records) => {
      requireOperator(records, event.actor);
      const custodians = custodiansOf(records, names);
      const key = readKey(records, keyId);
      checkSplittable(key);
      const material = readKeyMaterial(records, key);
      return { material, algorithm: key.algorithm, keyName: key.name, custodians };
    });
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
}

/** The registered custodians `names` name. Throws PERSON_NOT_FOUND, BAD_REQUEST (no custodian role). */
export function custodiansOf(
  records: Parameters<typeof findPerson>[0],
  names: readonly string[],
): string[] {
  return names.map((name) => {
    const person = findPerson(records, name);
    if (!person.roles.includes('custodian')) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `${person.name} is not a custodian; give them the role first (keywarden people add --name … --role custodian).`,
      );
    }
    return person.name;
  });
}

/**
 * Whether a key can be split: a live key whose material the vault holds. Throws KEY_NOT_HELD
 * (on a token, or held elsewhere), FORMAT_UNSUPPORTED (nothing private or secret),
 * KEY_STATE_INVALID.
 */
export function checkSplittable(key: KeyView): void {
  if (key.location.kind !== 'vault') {
    throw new KeywardenError(
      ErrorCode.KEY_NOT_HELD,
      key.location.kind === 'token'
        ? `Key ${key.id} lives on token ${key.location.serial} and never leaves it, so it is not split; the token itself is what custodians guard.`
        : `Key ${key.id} is held elsewhere (${key.location.reference}); the vault has nothing of it to split.`,
    );
  }
  if (key.publicOnly || !SPLITTABLE.has(key.algorithm)) {
    throw new KeywardenError(
      ErrorCode.FORMAT_UNSUPPORTED,
      `Key ${key.id} holds no private or secret key (${key.algorithm}${key.publicOnly ? ', public key only' : ''}); there is nothing to split.`,
    );
  }
  if (!LIVE.has(key.state)) {
    throw new KeywardenError(
      ErrorCode.KEY_STATE_INVALID,
      `Key ${key.id} is ${key.state}; it is not split.`,
    );
  }
}
