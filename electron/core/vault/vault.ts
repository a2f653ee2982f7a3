// The vault: one SQLite file holding a header, unlock slots, envelope-encrypted records and
// the audit chain. createVault makes one; openVaultFile opens it locked (a VaultFile);
// unlocking yields an UnlockedVault that holds the VMK and its subkeys until lock() zeroes
// them. This module is the vault's public surface.

export { createVault } from './create-vault.ts';
export type { CreateVaultOptions } from './create-vault.ts';
export { openVaultFile, VaultFile } from './vault-file.ts';
export type { UnlockFactor, VaultDeps } from './vault-file.ts';
export { UnlockedVault } from './unlocked-vault.ts';
export { MIN_PASSPHRASE_CHARS, validateNewPassphrase } from './unlock-slots.ts';
export type { VaultHeader, VaultStatus } from '../../shared/vault-types.ts';
