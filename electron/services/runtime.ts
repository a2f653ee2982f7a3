import { userInfo } from 'node:os';
import { openSqlConnection } from '../../native/store/sqlite-store.ts';
import { libargon2 } from '../../native/kdf/argon2-kdf.ts';
import type { VaultDeps } from '../core/vault/vault.ts';
import { modulePaths } from '../../native/pkcs11/module-paths.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { keyringSealer } from '../../native/keychain/keyring-sealer.ts';
import type { Sealer } from '../../native/keychain/sealer.ts';

/** The keychain sealer interface, for main's safeStorage sealer (main does not reach native/). */
export type { SealedRef, Sealer } from '../../native/keychain/sealer.ts';

// The composition root: the one place outside native/ that names the real implementations
// of native interfaces. Main, the CLI and the test bridge take their dependencies from here.

/**
 * The real dependencies: better-sqlite3, libargon2, the wall clock, and the OS keychain
 * through the keychain binding unless another sealer is given (the app gives safeStorage).
 */
export function realDeps(keychain: Sealer = keyringSealer()): VaultDeps {
  return { openSql: openSqlConnection, argon2: libargon2, now: () => new Date(), keychain };
}

/**
 * The real token layer: the configured PKCS#11 modules (--module, settings) and the usual
 * ones present on this machine, in a worker thread.
 */
export function realTokens(configured: readonly string[] = []): () => TokenLayer {
  return () => openTokenLayer({ modules: modulePaths(configured) });
}

/** The OS account name, the default actor in the audit log. */
export function osActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
