import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, openVaultFile, UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { UnlockFactor, VaultDeps } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';

// Real vault files in a temp folder, with the cheapest Argon2id parameters the vault
// accepts (m = 19 MiB, t = 2, p = 1) so tests stay fast. The folder is removed by cleanup().

export const TEST_PASSPHRASE = 'correct horse battery staple';
export const FAST_KDF = { kind: 'fixed', memoryMiB: 19, iterations: 2, parallelism: 1 } as const;

export interface TempDir {
  path: string;
  file(name: string): string;
  cleanup(): void;
}

/** A new empty temp folder. */
export function tempDir(prefix = 'keywarden-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

export const passphraseBytes = (text: string = TEST_PASSPHRASE) => Buffer.from(text, 'utf8');

/** Creates a vault at `path` protected by TEST_PASSPHRASE with FAST_KDF. */
export async function makeVault(path: string, deps: VaultDeps = realDeps()): Promise<void> {
  await createVault(deps, { path, passphrase: passphraseBytes(), kdf: FAST_KDF, actor: 'tester' });
}

/** Opens and unlocks the vault at `path` with TEST_PASSPHRASE (or `passphrase`). */
export async function unlockVault(
  path: string,
  passphrase: string = TEST_PASSPHRASE,
  deps: VaultDeps = realDeps(),
): Promise<UnlockedVault> {
  const file = openVaultFile(deps, path, 'read-write');
  try {
    return await file.unlock(
      { kind: 'passphrase', passphrase: passphraseBytes(passphrase) },
      'tester',
    );
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * Opens the vault at `path` and unlocks it with `factors` (one or several). The file is closed
 * again when the unlock fails.
 */
export async function unlockWith(
  path: string,
  factors: UnlockFactor | UnlockFactor[],
  deps: VaultDeps = realDeps(),
  options: { slotId?: number } = {},
): Promise<UnlockedVault> {
  const file = openVaultFile(deps, path, 'read-write');
  try {
    return await file.unlock(factors, 'tester', options);
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * 'OK' when `promise` resolves (a vault it unlocked is locked again), else the error's code:
 * for tables of outcomes.
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    const value = await promise;
    if (value instanceof UnlockedVault) value.lock('tester');
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}
