import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyState } from '../../shared/inventory-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { Outcome } from '../audit/audit-log.ts';
import { MIN_PASSPHRASE_CHARS, validateNewPassphrase } from '../vault/unlock-slots.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { encryptPkcs8 } from './encrypted-pkcs8.ts';
import { readKey, requireOperator } from './key-inventory.ts';
import { readKeyMaterial } from './key-material.ts';

// The one way a private key leaves the vault: encrypted PKCS#8 under a passphrase chosen for
// the export, after the person re-authenticates with the vault passphrase, audited. The
// plain PKCS#8 exists only inside the transaction and is zeroed there.

/** States in which a key may still be exported: it has not been compromised or destroyed. */
const EXPORTABLE: ReadonlySet<KeyState> = new Set([
  'pre-activation',
  'active',
  'suspended',
  'deactivated',
]);

/**
 * The private key as encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA-256, AES-256-CBC) under
 * `exportPassphrase`. `vaultPassphrase` re-authenticates the person first. Secret
 * (symmetric) keys have no PKCS#8 form. Both passphrases are the caller's to zero. Throws
 * PASSPHRASE_INCORRECT (re-authentication), PASSPHRASE_TOO_SHORT (the export passphrase),
 * KEY_NOT_FOUND, KEY_NOT_HELD, KEY_STATE_INVALID, FORMAT_UNSUPPORTED, PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function exportPrivateKey(
  vault: UnlockedVault,
  actor: string,
  id: string,
  vaultPassphrase: Uint8Array,
  exportPassphrase: Uint8Array,
): Promise<string> {
  const event = { actor, action: 'key.export-private', target: id, outcome: Outcome.SUCCESS };
  try {
    validateNewPassphrase(exportPassphrase);
  } catch {
    const error = new KeywardenError(
      ErrorCode.PASSPHRASE_TOO_SHORT,
      `An export passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters; nothing was exported.`,
    );
    vault.recordFailure(event, error);
    throw error;
  }
  await vault.reauthenticate(actor, vaultPassphrase, 'key.export-private');
  return vault.apply(event, (records) => {
    requireOperator(records, actor);
    const key = readKey(records, id);
    if (!EXPORTABLE.has(key.state)) {
      throw new KeywardenError(
        ErrorCode.KEY_STATE_INVALID,
        `The key is ${key.state}; its private key is not exported.`,
      );
    }
    if (key.publicKey === null) {
      throw new KeywardenError(
        ErrorCode.FORMAT_UNSUPPORTED,
        `Key ${id} is a secret ${key.algorithm} key; PKCS#8 holds private keys only. Wrap it under another key instead.`,
      );
    }
    const material = readKeyMaterial(records, key);
    try {
      return encryptPkcs8(
        material,
        Buffer.from(
          exportPassphrase.buffer,
          exportPassphrase.byteOffset,
          exportPassphrase.byteLength,
        ),
      );
    } finally {
      zeroize(material);
    }
  });
}
