import { constants, createPrivateKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyView, Purpose } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { readKey, requireOperator } from './key-inventory.ts';
import { readKeyMaterial } from './key-material.ts';
import { requireStateAllows } from './key-states.ts';
import { exportPublicKey, publicKeyObject } from './public-key-formats.ts';
import type { PublicKeyFormat } from './public-key-formats.ts';

// What a key in the vault is used for: signing and verifying, in the encodings OpenSSL
// reads (DER for ECDSA, raw for Ed25519, PKCS#1 v1.5 or PSS for RSA), and public-key
// export. The private key is opened only inside the audited transaction and its bytes are
// zeroed there.

export type RsaPadding = 'pkcs1' | 'pss';

interface SignatureScheme {
  hash: string | null;
  key: (
    keyObject: KeyObject,
  ) => KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'der' };
}

/** The hash and padding each algorithm signs with: SHA-256, SHA-384 for P-384, none for Ed25519. */
function schemeFor(key: KeyView, rsaPadding: RsaPadding): SignatureScheme {
  switch (key.algorithm) {
    case 'ed25519':
      return { hash: null, key: (k) => k };
    case 'p256':
      return { hash: 'sha256', key: (k) => ({ key: k, dsaEncoding: 'der' }) };
    case 'p384':
      return { hash: 'sha384', key: (k) => ({ key: k, dsaEncoding: 'der' }) };
    case 'rsa2048':
    case 'rsa3072':
    case 'rsa4096':
      return rsaPadding === 'pss'
        ? {
            hash: 'sha256',
            key: (k) => ({
              key: k,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            }),
          }
        : { hash: 'sha256', key: (k) => ({ key: k, padding: constants.RSA_PKCS1_PADDING }) };
    default:
      throw new KeywardenError(
        ErrorCode.KEY_PURPOSE_MISMATCH,
        `An ${key.algorithm} key does not sign.`,
      );
  }
}

/** Refuses a key that is not for any of `uses`. Throws KEY_PURPOSE_MISMATCH. */
export function requirePurpose(key: KeyView, ...uses: Purpose[]): void {
  if (!uses.some((use) => key.purposes.includes(use))) {
    throw new KeywardenError(
      ErrorCode.KEY_PURPOSE_MISMATCH,
      `Key ${key.id} is for ${key.purposes.join(', ')}, not ${uses.join(' or ')}.`,
    );
  }
}

/**
 * Runs `use` with a vault-held key's material (PKCS#8 DER or the raw secret) inside one
 * audited transaction, after checking the actor, the key's purpose and its state; the
 * material is zeroed when `use` returns; when `publicSuffices(key)`, it is not read at all and
 * `use` gets an empty buffer. Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH,
 * KEY_STATE_INVALID, PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, RECORD_TAMPERED,
 * AUDIT_WRITE_FAILED, VAULT_LOCKED, and whatever `use` throws.
 */
export function withKeyMaterial<T>(
  vault: UnlockedVault,
  actor: string,
  id: string,
  purpose: Purpose,
  event: AuditEvent,
  use: (key: KeyView, material: Buffer) => T,
  publicSuffices: (key: KeyView) => boolean = () => false,
): T {
  return vault.apply(event, (records) => {
    requireOperator(records, actor);
    const key = readKey(records, id);
    requirePurpose(key, purpose);
    requireStateAllows(key.state, purpose);
    // A use that needs only the public key (RSA encryption) never unseals the private one.
    const material = publicSuffices(key) ? Buffer.alloc(0) : readKeyMaterial(records, key);
    try {
      return use(key, material);
    } finally {
      zeroize(material);
    }
  });
}

/**
 * Signs `data` with a key held in the vault; audited as key.sign. Throws KEY_NOT_FOUND,
 * KEY_PURPOSE_MISMATCH, KEY_STATE_INVALID (a key that is not active never signs),
 * PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, RECORD_TAMPERED, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function signWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  data: Uint8Array,
  rsaPadding: RsaPadding = 'pkcs1',
): Buffer {
  const [signature] = signAllWithKey(vault, actor, id, [data], rsaPadding);
  if (!signature) throw new KeywardenError(ErrorCode.INTERNAL, 'No signature was made.');
  return signature;
}

/**
 * Signs each message with one vault-held key, unsealing it once; audited as one key.sign
 * (with the number of signatures when more than one). Throws as signWithKey.
 */
export function signAllWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  messages: readonly Uint8Array[],
  rsaPadding: RsaPadding = 'pkcs1',
): Buffer[] {
  const event = {
    actor,
    action: 'key.sign',
    target: id,
    outcome: Outcome.SUCCESS,
    detail: signDetail(messages),
  };
  return withKeyMaterial(vault, actor, id, 'sign', event, (key, material) => {
    const scheme = schemeFor(key, rsaPadding);
    const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    return messages.map((data) => sign(scheme.hash, data, scheme.key(privateKey)));
  });
}

/** The audit detail of a signing: the bytes signed, and how many signatures when several. */
export function signDetail(messages: readonly Uint8Array[]): Record<string, number> {
  const bytes = messages.reduce((sum, m) => sum + m.length, 0);
  return messages.length === 1 ? { bytes } : { bytes, signatures: messages.length };
}

/**
 * Verifies a signature with a key's public key; audited as key.verify with the result.
 * Returns whether it verifies. Throws KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH,
 * KEY_STATE_INVALID (verifying is allowed while active, suspended or deactivated),
 * PERSON_NOT_FOUND, SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export function verifyWithKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  data: Uint8Array,
  signature: Uint8Array,
  rsaPadding: RsaPadding = 'pkcs1',
): boolean {
  const event = { actor, action: 'key.verify', target: id, outcome: Outcome.SUCCESS };
  let valid: boolean;
  try {
    valid = vault.query((records) => {
      requireOperator(records, actor);
      const key = readKey(records, id);
      requirePurpose(key, 'sign', 'verify');
      requireStateAllows(key.state, 'verify');
      const scheme = schemeFor(key, rsaPadding);
      const publicKey = publicKeyObject(key.publicKey ?? '');
      try {
        return verify(scheme.hash, data, scheme.key(publicKey), signature);
      } catch {
        return false; // a malformed signature simply does not verify
      }
    });
  } catch (error) {
    vault.recordFailure(event, error);
    throw error;
  }
  vault.apply({ ...event, detail: { valid } }, () => undefined);
  return valid;
}

/** A key's public key in `format`. Throws KEY_NOT_FOUND, FORMAT_UNSUPPORTED, VAULT_LOCKED. */
export function exportKeyPublic(vault: UnlockedVault, id: string, format: PublicKeyFormat): string {
  const key = vault.query((records) => readKey(records, id));
  const spki = key.publicKey === null ? null : Buffer.from(key.publicKey, 'base64');
  return exportPublicKey(key.algorithm, spki, format, key.name);
}
