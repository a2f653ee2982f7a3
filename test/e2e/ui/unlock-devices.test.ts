import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultDeps } from '../../../electron/core/vault/vault.ts';
import type { FactorEnrolment } from '../../../electron/core/vault/factor-types.ts';
import { realDeps } from '../../../electron/services/runtime.ts';
import { Ctap2AuthenticatorModel } from '../../helpers/ctap2-authenticator.model.ts';
import {
  hidModelsAccess,
  readHidModels,
  writeHidModels,
} from '../../helpers/hid-models.fixture.ts';
import type { HidModelsState } from '../../helpers/hid-models.fixture.ts';
import { keychainItem, startKeyring } from '../../helpers/keyring.fixture.ts';
import type { KeyringSession } from '../../helpers/keyring.fixture.ts';
import { startSwtpm } from '../../helpers/swtpm.fixture.ts';
import type { SwtpmSession } from '../../helpers/swtpm.fixture.ts';
import { openUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import {
  chooseSlot,
  field,
  lockVault,
  refusedWith,
  secretsInPage,
  submitAndWaitForApp,
} from '../../helpers/unlock-screen.ts';
import {
  FAST_KDF,
  TEST_PASSPHRASE,
  makeVault,
  tempDir,
  unlockVault,
} from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The unlock screen's device factors in Chromium, on a vault prepared through core with a slot
// of each: a TPM 2.0 slot bound to PCR 7 with a PIN (swtpm), an OS keychain slot (gnome-keyring
// on a private bus), a YubiKey HMAC-SHA1 slot that waits for a touch and a FIDO2 hmac-secret
// slot with a PIN (the device models of test/helpers, which the bridge reaches through
// --hid-models: the file holds the one YubiKey and FIDO2 key this test enrolled). Each slot is
// offered with what it needs in words, opens the app, and is refused in words where the real
// part can refuse: a wrong TPM PIN, PCR 7 changed, the keychain item gone, a token not plugged
// in, a wrong FIDO2 PIN. After each unlock no PIN typed is left in the page.

// PINs that no label, id or error text can contain by chance.
const TPM_PIN = 'pin-tpm-7r2w';
const WRONG_TPM_PIN = 'pin-tpm-wrong-5k1x';
const FIDO_PIN = 'pin-fido-8m3d';
const WRONG_FIDO_PIN = 'pin-fido-wrong-2q9j';
const SECRETS = [TPM_PIN, WRONG_TPM_PIN, FIDO_PIN, WRONG_FIDO_PIN, TEST_PASSPHRASE];

const TPM_SLOT = 'TPM 2.0 (laptop)';
const KEYCHAIN_SLOT = 'OS keychain (desktop session)';
const YUBIKEY_SLOT = 'YubiKey (blue key)';
const FIDO2_SLOT = 'FIDO2 security key (travel key)';

let dir: TempDir;
let keyring: KeyringSession;
let tpm: SwtpmSession;
let ui: UiSession;
let vaultPath: string;
/** The HID devices plugged in, as the test and the bridge both read them. */
let hidFile: string;
/** The devices as enrolled, to plug back in after a test took one out. */
let enrolledDevices: HidModelsState;

/**
 * Creates the vault (TEST_PASSPHRASE) and adds, in this order, the TPM, keychain, YubiKey and
 * FIDO2 slots, reaching the devices through `deps`.
 */
async function makeDeviceVault(path: string, deps: VaultDeps): Promise<void> {
  const slots: Array<[string, FactorEnrolment]> = [
    ['laptop', { kind: 'tpm2', pcrs: [7], pin: Buffer.from(TPM_PIN), kdf: FAST_KDF }],
    ['desktop session', { kind: 'keychain' }],
    ['blue key', { kind: 'yubikey-hmac', slot: 2 }],
    ['travel key', { kind: 'fido2', pin: Buffer.from(FIDO_PIN) }],
  ];
  await makeVault(path, deps);
  const vault = await unlockVault(path, undefined, deps);
  try {
    for (const [name, factor] of slots) await vault.addSlot('tester', { factors: [factor], name });
  } finally {
    vault.lock('tester');
  }
}

beforeAll(async () => {
  // Before anything loads the keychain binding: it keeps the first bus it connects to.
  keyring = await startKeyring();
  tpm = await startSwtpm();
  dir = tempDir('keywarden-ui-unlock-devices-');
  hidFile = dir.file('hid-models.json');
  const fido = new Ctap2AuthenticatorModel();
  fido.setPin(FIDO_PIN);
  writeHidModels(hidFile, {
    yubiKey: {
      slots: {
        '2': { secret: randomBytes(20).toString('hex'), requireTouch: true, variableLength: true },
      },
      // Long enough for the page to ask for the touch while the key waits (it gives up at 5 s).
      touchAfterMs: 2_500,
    },
    fido2: fido.saveState(),
  });
  vaultPath = dir.file('vault.kw');
  await makeDeviceVault(vaultPath, {
    ...realDeps({ tpmTcti: tpm.tcti }),
    hid: hidModelsAccess(hidFile),
  });
  enrolledDevices = readHidModels(hidFile);
  ui = await openUi({
    vault: vaultPath,
    hidModels: hidFile,
    env: { KEYWARDEN_TPM_TCTI: tpm.tcti, DBUS_SESSION_BUS_ADDRESS: keyring.address },
  });
  await ui.page.getByRole('heading', { name: 'Unlock with' }).waitFor();
}, 120_000);

afterAll(async () => {
  await ui?.close();
  await tpm?.stop();
  await keyring?.stop();
  dir?.cleanup();
});

/** The chosen slot's form: its fields and the lines that say what it needs. */
const slotForm = () =>
  ui.page.locator('form').filter({ has: ui.page.getByRole('button', { name: 'Unlock' }) });

/** Picks the slot titled `title` and checks that it is the one chosen. */
async function choose(title: string): Promise<void> {
  expect(await chooseSlot(ui.page, title)).toBe(true);
}

/** Picks the slot titled `title` and checks that its form says `needs` in these words. */
async function chooseAndExpectNeeds(title: string, needs: string): Promise<void> {
  await choose(title);
  expect(await slotForm().textContent()).toContain(needs);
}

/** Unlock opens the app; no secret typed is left in it, nor on the unlock screen after lock. */
async function opensAndLocks(): Promise<void> {
  await submitAndWaitForApp(ui.page);
  expect(await secretsInPage(ui.page, SECRETS)).toEqual([]);
  await lockVault(ui.page);
  expect(await secretsInPage(ui.page, SECRETS)).toEqual([]);
}

/** Checks the page as it is now with axe, and keeps a screenshot of it. */
async function checkState(name: string): Promise<void> {
  await ui.screenshot(name);
  expect(await ui.seriousViolations()).toEqual([]);
}

/** Takes `device` out of the file the bridge reads: it is no longer plugged in. */
function unplug(device: keyof HidModelsState): void {
  const plugged = readHidModels(hidFile);
  delete plugged[device];
  writeHidModels(hidFile, plugged);
}

/** Plugs `device` back in as it was enrolled (a FIDO2 key keeps the PIN tries it has left). */
function plugIn(device: keyof HidModelsState): void {
  writeHidModels(hidFile, { ...readHidModels(hidFile), [device]: enrolledDevices[device] });
}

describe('the slots of the vault', () => {
  it('are offered by name with their factors in words', async () => {
    const text = await ui.page.getByRole('radiogroup', { name: 'Unlock slot' }).textContent();
    expect(await ui.page.getByRole('radio').count()).toBe(5);
    for (const title of [TPM_SLOT, KEYCHAIN_SLOT, YUBIKEY_SLOT, FIDO2_SLOT]) {
      expect(text).toContain(title);
    }
    expect(text).toContain('TPM, PCR 7, PIN');
    expect(text).toContain('YubiKey slot 2');
    expect(text).toContain('FIDO2 key with PIN');
    await checkState('unlock-devices-slots');
  });
});

describe('a TPM slot bound to PCR 7 with a PIN', () => {
  const pin = () => field(ui.page, 'TPM PIN');

  it('asks for the TPM PIN', async () => {
    await choose(TPM_SLOT);
    await pin().waitFor();
    expect(await pin().getAttribute('type')).toBe('password');
    await checkState('unlock-tpm');
  });

  it('refuses a wrong PIN in words', async () => {
    await pin().fill(WRONG_TPM_PIN);
    const words = await refusedWith(ui.page, 'TPM_AUTH_FAILED');
    expect(words).toContain('The TPM PIN is incorrect.');
    expect(words).toContain('dictionary-attack lockout');
    expect(words).not.toContain(WRONG_TPM_PIN);
    await checkState('unlock-tpm-wrong-pin');
  });

  it('opens with the right PIN, and leaves no PIN in the page', async () => {
    await pin().fill(TPM_PIN);
    await opensAndLocks();
  });

  it('refuses the right PIN once PCR 7 has changed, in words', async () => {
    await tpm.extendPcr(7);
    await choose(TPM_SLOT);
    await pin().fill(TPM_PIN);
    const words = await refusedWith(ui.page, 'TPM_PCR_MISMATCH');
    expect(words).toContain('PCR 7 no longer holds the value it had');
    expect(words).toContain('Unlock with another factor');
    expect(words).not.toContain(TPM_PIN);
    await checkState('unlock-tpm-pcr-changed');
    // A reboot of the TPM resets its PCRs: the slot opens again.
    await tpm.restart();
    await pin().fill(TPM_PIN);
    await opensAndLocks();
  });
});

describe('an OS keychain slot', () => {
  it('says the keychain opens it, and opens the app', async () => {
    await chooseAndExpectNeeds(KEYCHAIN_SLOT, 'The OS keychain opens this slot for this user.');
    await checkState('unlock-keychain');
    await opensAndLocks();
  });

  it('refuses in words when its keychain item is gone', async () => {
    const item = keychainItem(vaultPath);
    keyring.clear(item.service, item.account);
    await choose(KEYCHAIN_SLOT);
    const words = await refusedWith(ui.page, 'KEYCHAIN_SECRET_MISSING');
    expect(words).toContain("The OS keychain no longer holds this vault's slot secret");
    expect(words).toContain('unlock with another factor');
    await checkState('unlock-keychain-missing');
  });
});

describe('a YubiKey slot', () => {
  it('says which slot of the key it needs and that it may need a touch', async () => {
    await chooseAndExpectNeeds(YUBIKEY_SLOT, 'Insert the YubiKey (slot 2); touch it if it blinks.');
    await checkState('unlock-yubikey');
  });

  it('asks for a touch while the key waits for one, and opens the app once it is touched', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Unlock' }).click();
    const prompt = page.getByRole('status').filter({ hasText: 'Touch your key now.' });
    await prompt.waitFor({ timeout: 5_000 });
    await ui.screenshot('unlock-yubikey-touch');
    await page.getByRole('navigation', { name: 'Places' }).waitFor({ timeout: 60_000 });
    expect(await secretsInPage(page, SECRETS)).toEqual([]);
    await lockVault(page);
    expect(await prompt.count()).toBe(0);
  });

  it('refuses in words when no YubiKey is plugged in', async () => {
    unplug('yubiKey');
    try {
      await choose(YUBIKEY_SLOT);
      const words = await refusedWith(ui.page, 'TOKEN_NOT_PRESENT');
      expect(words).toContain('No YubiKey is plugged in. Insert it and try again');
      await checkState('unlock-yubikey-absent');
    } finally {
      plugIn('yubiKey');
    }
  });
});

describe('a FIDO2 slot with a PIN', () => {
  const pin = () => field(ui.page, 'Security key PIN');
  const pinRetries = () => readHidModels(hidFile).fido2?.pinRetries;

  it('asks for the key’s PIN and a touch', async () => {
    await chooseAndExpectNeeds(FIDO2_SLOT, 'Insert the security key and touch it when it blinks.');
    expect(await pin().getAttribute('type')).toBe('password');
    await checkState('unlock-fido2');
  });

  it('asks in words for a PIN left empty, before the key spends a try', async () => {
    const before = pinRetries();
    await pin().fill('');
    const words = await refusedWith(ui.page, 'PIN_REQUIRED');
    expect(words).toContain('PIN');
    expect(pinRetries()).toBe(before);
  });

  it('refuses a wrong PIN in words, and the key spends one try', async () => {
    const before = pinRetries();
    await pin().fill(WRONG_FIDO_PIN);
    const words = await refusedWith(ui.page, 'PIN_INCORRECT');
    const left = (before ?? 0) - 1;
    expect(words).toContain(`The token PIN is incorrect; ${left} tries left`);
    expect(words).not.toContain(WRONG_FIDO_PIN);
    expect(pinRetries()).toBe(left);
    await checkState('unlock-fido2-wrong-pin');
  });

  it('opens with the right PIN, and leaves no PIN in the page', async () => {
    await pin().fill(FIDO_PIN);
    await opensAndLocks();
    // A right PIN gives the key its tries back.
    expect(pinRetries()).toBe(8);
  });

  it('refuses in words when no security key is plugged in', async () => {
    unplug('fido2');
    try {
      await choose(FIDO2_SLOT);
      await pin().fill(FIDO_PIN);
      const words = await refusedWith(ui.page, 'TOKEN_NOT_PRESENT');
      expect(words).toContain('No FIDO2 security key is plugged in. Insert it and try again');
      expect(words).not.toContain(FIDO_PIN);
      await checkState('unlock-fido2-absent');
    } finally {
      plugIn('fido2');
    }
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
