import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { SealedRef, Sealer } from './sealer.ts';

// The keychain binding (@napi-rs/keyring over keyring-rs): each slot secret is one item of
// the OS keychain under a service name and a random account id. On Linux the item goes to the
// Secret Service (gnome-keyring, KeePassXC) and nowhere else: keyring-rs would otherwise fall
// back to the kernel keyring, which forgets everything at logout. The binding is loaded on
// first use, so a machine where it cannot load loses only this slot kind.

type KeyringBinding = typeof import('@napi-rs/keyring');
type AsyncEntry = InstanceType<KeyringBinding['AsyncEntry']>;

export const KEYRING_SEALER_KIND = 'os-keyring';
export const DEFAULT_KEYRING_SERVICE = 'keywarden';

const ACCOUNT_PATTERN = /^[0-9a-f]{32}$/;

let binding: KeyringBinding | null = null;

function unavailable(cause: unknown): KeywardenError {
  const install =
    process.platform === 'linux'
      ? ' On Linux, install and start a Secret Service (gnome-keyring, or KeePassXC with its Secret Service integration on) in this desktop session, and unlock it.'
      : ' Unlock the OS keychain and try again.';
  return new KeywardenError(
    ErrorCode.KEYCHAIN_UNAVAILABLE,
    `The OS keychain cannot be reached, so the keychain slot cannot be used; unlock with another factor.${install}`,
    { cause },
  );
}

function loadBinding(): KeyringBinding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('@napi-rs/keyring') as KeyringBinding;
    return binding;
  } catch (error) {
    throw unavailable(error);
  }
}

function parseRef(ref: SealedRef): { service: string; account: string } {
  const { service, account } = ref;
  if (typeof service !== 'string' || service.length === 0 || !ACCOUNT_PATTERN.test(account ?? '')) {
    throw new KeywardenError(
      ErrorCode.VAULT_HEADER_TAMPERED,
      'A keychain slot names no keychain item this build made: the header was altered outside Keywarden. Restore it from a backup.',
    );
  }
  return { service, account: account as string };
}

/** Opens the item; every failure of the binding (no D-Bus, no Secret Service) is KEYCHAIN_UNAVAILABLE. */
function entryFor(service: string, account: string): AsyncEntry {
  const { AsyncEntry } = loadBinding();
  try {
    return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
  } catch (error) {
    throw unavailable(error);
  }
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    // The binding's errors carry one generic code and library text; none is passed on.
    throw unavailable(error);
  }
}

/**
 * A sealer over the OS keychain. `service` names the items (tests may choose their own).
 * The binding takes the secret as bytes and returns it as an array of numbers, which is
 * overwritten with zeros once copied; what keyring-rs and D-Bus buffer internally is out of
 * our reach.
 */
export function keyringSealer(service: string = DEFAULT_KEYRING_SERVICE): Sealer {
  return {
    kind: KEYRING_SEALER_KIND,
    async seal(secret) {
      const account = randomBytes(16).toString('hex');
      const entry = entryFor(service, account);
      await call(() => entry.setSecret(secret));
      return { service, account };
    },
    async unseal(ref) {
      const { service: named, account } = parseRef(ref);
      const entry = entryFor(named, account);
      const stored = await call(() => entry.getSecret());
      if (stored === null) {
        throw new KeywardenError(
          ErrorCode.KEYCHAIN_SECRET_MISSING,
          `The OS keychain no longer holds this vault's slot secret (item "${account}" of service "${named}"): unlock with another factor, then remove the keychain slot and add it again.`,
        );
      }
      const secret = Buffer.from(stored);
      stored.fill(0);
      return secret;
    },
    async forget(ref) {
      const { service: named, account } = parseRef(ref);
      const entry = entryFor(named, account);
      return call(() => entry.deleteCredential());
    },
  };
}
