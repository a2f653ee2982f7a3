import { userInfo } from 'node:os';
import { openSqlConnection } from '../../native/store/sqlite-store.ts';
import { libargon2 } from '../../native/kdf/argon2-kdf.ts';
import type { VaultDeps } from '../core/vault/vault.ts';
import { modulePaths } from '../../native/pkcs11/module-paths.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { keyringSealer } from '../../native/keychain/keyring-sealer.ts';
import type { Sealer } from '../../native/keychain/sealer.ts';
import { DEFAULT_TPM_TCTI, openTpm2 } from '../../native/tpm2/tpm2.ts';
import type { Tpm2 } from '../../native/tpm2/tpm2.ts';
import { nodeHidAccess } from '../../native/hid/hid-access.ts';
import type { TokenProgress } from '../../native/hid/hid-transport.ts';
import { disableCoreDumps as disableProcessCoreDumps } from '../../native/process/process-limits.ts';
import type { CoreDumpsResult } from '../../native/process/process-limits.ts';
import { checkTcti, loadSettings } from './settings.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';

/** The keychain sealer interface, for main's safeStorage sealer (main does not reach native/). */
export type { SealedRef, Sealer } from '../../native/keychain/sealer.ts';

// The composition root: the one place outside native/ that names the real implementations
// of native interfaces. Main, the CLI and the test bridge take their dependencies from here.

export interface RealDepsOptions {
  /** The OS keychain's keeper: the keychain binding unless given (the app gives safeStorage). */
  keychain?: Sealer;
  /** The TPM's TCTI; else KEYWARDEN_TPM_TCTI; else the settings' tpmTcti; else the kernel's resource manager. */
  tpmTcti?: string;
  /** A HID token waits for a touch, or works. */
  onTokenProgress?: (progress: TokenProgress) => void;
  /**
   * Whether KEYWARDEN_TPM_TCTI is read (the CLI, default). The app does not read it: its
   * environment is not a place to configure what the vault trusts.
   */
  tctiFromEnvironment?: boolean;
}

/**
 * The TPM named by `explicit` (--tpm-tcti), else KEYWARDEN_TPM_TCTI, else the settings, else
 * the kernel's resource manager. Resolved at first use, so a malformed settings file fails
 * only what needs the TPM.
 */
function configuredTpm(explicit: string | undefined, environment: boolean): Tpm2 {
  let tpm: Tpm2 | null = null;
  const resolved = () => {
    if (tpm) return tpm;
    const fromEnvironment = environment ? process.env.KEYWARDEN_TPM_TCTI || undefined : undefined;
    const [tcti, from] =
      explicit !== undefined
        ? [explicit, '--tpm-tcti']
        : fromEnvironment !== undefined
          ? [fromEnvironment, 'KEYWARDEN_TPM_TCTI']
          : [loadSettings().tpmTcti ?? DEFAULT_TPM_TCTI, 'the settings'];
    try {
      checkTcti(tcti, from);
    } catch (error) {
      // A TCTI refused makes the TPM unavailable, like one that is not there.
      throw new KeywardenError(ErrorCode.TPM_UNAVAILABLE, (error as Error).message);
    }
    tpm = openTpm2(tcti);
    return tpm;
  };
  return {
    get tcti() {
      return resolved().tcti;
    },
    seal: async (secret, options) => resolved().seal(secret, options),
    unseal: async (sealed, authValue) => resolved().unseal(sealed, authValue),
  };
}

/**
 * The real dependencies: better-sqlite3, libargon2, the wall clock, the OS keychain, the TPM
 * (through the tss2-esys addon) and HID tokens (through node-hid). PKCS#11 tokens come from
 * the services' token layer.
 */
export function realDeps(options: RealDepsOptions = {}): VaultDeps {
  return {
    openSql: openSqlConnection,
    argon2: libargon2,
    now: () => new Date(),
    keychain: options.keychain ?? keyringSealer(),
    tpm2: configuredTpm(options.tpmTcti, options.tctiFromEnvironment ?? true),
    hid: nodeHidAccess(),
    ...(options.onTokenProgress ? { onTokenProgress: options.onTokenProgress } : {}),
  };
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

/**
 * Turns core dumps off for this process (RLIMIT_CORE 0, soft and hard), so a crash cannot
 * write the vault key to disk. The app calls it first thing; it never throws, and says why
 * when it could not.
 */
export function disableCoreDumps(): CoreDumpsResult {
  return disableProcessCoreDumps();
}
