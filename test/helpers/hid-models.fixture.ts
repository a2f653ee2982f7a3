import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hidTokenAccess, notPresent } from '../../native/hid/hid-access.ts';
import type { HidTokenAccess } from '../../native/hid/hid-access.ts';
import type { HidReportTransport } from '../../native/hid/hid-transport.ts';
import { Ctap2AuthenticatorModel } from './ctap2-authenticator.model.ts';
import type { Ctap2ModelState } from './ctap2-authenticator.model.ts';
import { CtapHidDeviceModel } from './ctaphid-device.model.ts';
import { YubiKeyOtpModel } from './yubikey-otp.model.ts';

// The HID device models of test/helpers, plugged in through a file: one YubiKey and one FIDO2
// key that two processes share, the test that enrols them and the test bridge (--hid-models)
// that unlocks with them. Every open reads the file afresh, so a device the test takes out of
// the file is not plugged in (TOKEN_NOT_PRESENT, in nodeHidAccess's words), and a FIDO2 key
// writes back what it keeps (credentials, PIN retries) when it is closed. The file holds the
// models' secrets: it is written with mode 0600 and lives in the test's temp folder.

/** A YubiKey's HMAC-SHA1 slot, its 20-byte secret in hex. */
export interface YubiKeySlotState {
  secret: string;
  requireTouch?: boolean;
  variableLength?: boolean;
}

/** The devices plugged in; an absent one is not. */
export interface HidModelsState {
  yubiKey?: {
    slots: Partial<Record<'1' | '2', YubiKeySlotState>>;
    /** The simulated person touches a waiting key after this long (see YubiKeyOtpModel). */
    touchAfterMs?: number;
  };
  fido2?: Ctap2ModelState;
}

/** Writes `state` to `file` (mode 0600) in one rename, so a reader never sees half of it. */
export function writeHidModels(file: string, state: HidModelsState): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(state), { mode: 0o600 });
  renameSync(partial, file);
}

/** The state in `file`. Throws when it cannot be read or is not JSON. */
export function readHidModels(file: string): HidModelsState {
  return JSON.parse(readFileSync(file, 'utf8')) as HidModelsState;
}

function yubiKeyOf(state: NonNullable<HidModelsState['yubiKey']>): YubiKeyOtpModel {
  const key = new YubiKeyOtpModel();
  for (const slot of [1, 2] as const) {
    const described = state.slots[slot === 1 ? '1' : '2'];
    if (described) key.slots[slot] = { ...described, secret: Buffer.from(described.secret, 'hex') };
  }
  key.touchAfterMs = state.touchAfterMs;
  // A real key waits about 15 s for its touch; the person here may be slow on a busy machine.
  key.touchTimeoutMs = 5_000;
  return key;
}

/** A FIDO2 key over CTAPHID that writes what it keeps back to `file` when it is closed. */
function fidoKeyOf(file: string, state: Ctap2ModelState): HidReportTransport {
  const authenticator = new Ctap2AuthenticatorModel(state);
  const device = new CtapHidDeviceModel(authenticator);
  return {
    write: (report) => device.write(report),
    read: (timeoutMs) => device.read(timeoutMs),
    close: async () => {
      await device.close();
      writeHidModels(file, { ...readHidModels(file), fido2: authenticator.saveState() });
    },
  };
}

/** HID token access to the devices `file` describes, as nodeHidAccess gives the real ones. */
export function hidModelsAccess(file: string): HidTokenAccess {
  return hidTokenAccess({
    openYubiKeyOtp: async () => {
      const { yubiKey } = readHidModels(file);
      if (!yubiKey) throw notPresent('YubiKey');
      return yubiKeyOf(yubiKey);
    },
    openFido: async () => {
      const { fido2 } = readHidModels(file);
      if (!fido2) throw notPresent('FIDO2 security key');
      return fidoKeyOf(file, fido2);
    },
  });
}
