import type { KeywardenServices } from '../../electron/services/services.ts';
import type { Channel } from '../../electron/shared/contract.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type { IpcRecorder } from './ipc-recorder.ts';
import type { KeyringSession } from './keyring.fixture.ts';
import type { Recorded, Secret, SecretBook } from './secret-scan.ts';
import type { SoftHsmToken } from './softhsm.fixture.ts';
import type { TempDir } from './vault-fixture.ts';

// The no-secret-in-responses scenario: every channel of the contract called through main's IPC
// registration with valid requests (and some wrong secrets, whose error replies are scanned
// too), against a real vault, real SoftHSM2 tokens and a real gnome-keyring. Each phase
// (secret-scenario-vault.ts, -keys.ts, -ceremonies.ts) seeds the secrets it hands over or brings
// into being into the book, so the scan knows them all. This file holds what they share.

/** What the phases share. */
export interface ScenarioContext {
  rpc: IpcRecorder;
  book: SecretBook;
  /** Only for what is not a channel (the recovery key is shown by main, never over IPC). */
  services: KeywardenServices;
  dir: TempDir;
  keyring: KeyringSession;
  /** The vault file. */
  path: string;
  /** The SoftHSM2 token the scenario's token keys and PIN changes use. */
  token: SoftHsmToken;
  /** The vault passphrase now (vault:change-passphrase replaces it). */
  passphrase: Secret;
  /** The token's user PIN now (tokens:change-pin and tokens:unblock-pin replace it). */
  pin: Secret;
  /** Keys later phases use, by the scenario's name for them. */
  keys: Map<string, KeyView>;
  /** Evidence the channels wrote to files an auditor is handed (the ceremony transcript). */
  files: Recorded[];
}

/**
 * Channels that can only answer an error on these machines, with why. Empty: the keychain slot
 * runs against the test keyring, and a token slot stands in for the TPM and HID factors (whose
 * error replies, for want of a device, are scanned all the same).
 */
export const ERROR_ONLY_CHANNELS: Readonly<Partial<Record<Channel, string>>> = {};

/** The key a phase stored under `name`; throws if no phase did. */
export function keyNamed(context: ScenarioContext, name: string): KeyView {
  const key = context.keys.get(name);
  if (!key) throw new Error(`the scenario has no key "${name}" yet`);
  return key;
}

/** Locks and unlocks again with the passphrase: ceremonies and slot changes want a fresh unlock. */
export async function unlockAfresh(context: ScenarioContext): Promise<void> {
  await context.rpc.ok('vault:lock', {});
  await context.rpc.ok('vault:unlock', {
    path: context.path,
    factor: { kind: 'passphrase', passphrase: context.passphrase.fresh() },
  });
}
