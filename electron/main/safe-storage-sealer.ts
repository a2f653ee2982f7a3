import { safeStorage } from 'electron';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { SealedRef, Sealer } from '../services/runtime.ts';

// The app's keychain sealer: Electron safeStorage encrypts the slot secret under a key the OS
// keychain holds (Keychain on macOS, DPAPI on Windows, the Secret Service or KWallet on
// Linux), and the encrypted blob is the slot's reference. Nothing is kept outside the vault
// file, so forgetting is removing the slot. safeStorage takes and returns strings, which
// cannot be wiped: the secret crosses it as base64 for the length of one call.

export const SAFE_STORAGE_SEALER_KIND = 'safe-storage';

function requireEncryption(available: boolean): void {
  // On Linux with no keychain safeStorage falls back to a key hard-coded in Chromium
  // ('basic_text'): that protects nothing, so it counts as no keychain.
  const plainText =
    process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (!available || plainText) {
    throw new KeywardenError(
      ErrorCode.KEYCHAIN_UNAVAILABLE,
      'The OS keychain cannot be reached, so the keychain slot cannot be used; unlock with another factor. On Linux, install and start a Secret Service (gnome-keyring, or KeePassXC with its Secret Service integration on) or KWallet, and unlock it.',
    );
  }
}

function blobOf(ref: SealedRef): Buffer {
  const blob = ref.blob;
  if (typeof blob !== 'string' || blob.length === 0 || blob.length > 4096) {
    throw new KeywardenError(
      ErrorCode.VAULT_HEADER_TAMPERED,
      'A keychain slot holds no blob this app sealed: the header was altered outside Keywarden. Restore it from a backup.',
    );
  }
  return Buffer.from(blob, 'base64');
}

/** The safeStorage sealer; use it after the app's `ready` event. */
export const safeStorageSealer: Sealer = {
  kind: SAFE_STORAGE_SEALER_KIND,
  async seal(secret) {
    requireEncryption(await safeStorage.isAsyncEncryptionAvailable());
    const text = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString(
      'base64',
    );
    const blob = await safeStorage.encryptStringAsync(text);
    return { blob: blob.toString('base64') };
  },
  async unseal(ref) {
    const blob = blobOf(ref);
    requireEncryption(await safeStorage.isAsyncEncryptionAvailable());
    let decrypted;
    try {
      decrypted = await safeStorage.decryptStringAsync(blob);
    } catch (error) {
      // The OS keychain's key for this app was reset or replaced: the blob no longer opens.
      throw new KeywardenError(
        ErrorCode.KEYCHAIN_SECRET_MISSING,
        "The OS keychain no longer holds the key this vault's keychain slot was sealed with: unlock with another factor, then remove the keychain slot and add it again.",
        { cause: error },
      );
    }
    return Buffer.from(decrypted.result, 'base64');
  },
  async forget(ref) {
    blobOf(ref);
    return false;
  },
};
