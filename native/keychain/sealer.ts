// The OS keychain interface core depends on: a keeper outside the vault file that holds a
// keychain slot's random secret for this OS user and gives it back. Two implementations: the
// keychain binding beside this file (keyring-sealer.ts: Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows) for the CLI and tests, and Electron safeStorage in
// electron/main/safe-storage-sealer.ts for the app.

/**
 * What finds a sealed secret again: public strings only (a service name and an account id,
 * or a blob only the OS keychain can decrypt), stored in the slot's parameters. Never the
 * secret itself.
 */
export type SealedRef = Record<string, string>;

export interface Sealer {
  /**
   * The keeper's name as slot parameters record it ('os-keyring', 'safe-storage'): a slot
   * sealed by one keeper is opened only by the same kind of keeper.
   */
  readonly kind: string;
  /**
   * Hands `secret` to the keychain; returns what finds it again. The caller keeps and zeroes
   * its own bytes. Throws KEYCHAIN_UNAVAILABLE (no keychain, or it is locked).
   */
  seal(secret: Uint8Array): Promise<SealedRef>;
  /**
   * The secret `ref` names; the caller zeroes the returned Buffer. Throws KEYCHAIN_UNAVAILABLE,
   * KEYCHAIN_SECRET_MISSING (the item was deleted), VAULT_HEADER_TAMPERED (`ref` is not one
   * this keeper made).
   */
  unseal(ref: SealedRef): Promise<Buffer>;
  /**
   * Deletes the keychain item `ref` names; returns false when there was none to delete (or
   * the keeper keeps nothing outside the ref). Throws KEYCHAIN_UNAVAILABLE,
   * VAULT_HEADER_TAMPERED.
   */
  forget(ref: SealedRef): Promise<boolean>;
}
