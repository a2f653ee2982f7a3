import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { generateRecoveryKey } from '../../../electron/core/vault/recovery-key.ts';
import { makeFactorVault } from '../../helpers/factor-vault.fixture.ts';
import type { FactorVault } from '../../helpers/factor-vault.fixture.ts';
import { startSoftHsm } from '../../helpers/softhsm.fixture.ts';
import type { SoftHsm, SoftHsmToken } from '../../helpers/softhsm.fixture.ts';
import { openUi } from '../../helpers/ui-session.ts';
import {
  chooseSlot,
  field,
  lockVault,
  pageText,
  refusedWith,
  secretsInPage,
  slotRadio,
  submitAndWaitForApp,
} from '../../helpers/unlock-screen.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { TEST_PASSPHRASE, tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The unlock screen's other factors in Chromium, on a vault prepared through core with a slot
// of each: a PKCS#11 token on SoftHSM2 (its PIN right, wrong with the tries the token reports,
// on its final try spent only with consent, and the token gone, with the passphrase still
// opening the vault), the recovery key (right, mistyped, and well formed but another vault's),
// and a quorum of 2 of {a passphrase, two tokens} that shows what each factor needs and how far
// the quorum is, opens with two and refuses one. After each unlock no PIN, passphrase or
// recovery key is left in the page.

// PINs and passphrases that no serial, label or id can contain by chance.
const CARD_PIN = 'pin-card-4k7q';
const WRONG_PIN = 'pin-wrong-3z8v';
const OFFICER_PINS = ['pin-officer-b-9x', 'pin-officer-c-9x'] as const;
const QUORUM_PASSPHRASE = 'quorum custodian passphrase';
const WRONG_PASSPHRASE = 'not the custodian passphrase';

let dir: TempDir;
let hsm: SoftHsm;
let ui: UiSession;
let card: SoftHsmToken;
let officers: SoftHsmToken[];
let vault: FactorVault;

beforeAll(async () => {
  dir = tempDir('keywarden-ui-unlock-factors-');
  hsm = startSoftHsm({ tokens: 0 });
  card = hsm.addToken('kw-unlock-card', { pin: CARD_PIN });
  officers = OFFICER_PINS.map((pin, i) => hsm.addToken(`kw-officer-${i + 1}`, { pin }));
  const path = dir.file('vault.kw');
  vault = await makeFactorVault(path, card, 'card', {
    threshold: 2,
    name: 'officers',
    passphrase: QUORUM_PASSPHRASE,
    tokens: officers,
  });
  ui = await openUi({ vault: path, softhsmConf: hsm.conf });
  await ui.page.getByRole('heading', { name: 'Unlock with' }).waitFor();
}, 120_000);

afterAll(async () => {
  await ui?.close();
  hsm?.cleanup();
  dir?.cleanup();
});

/** Every secret this file types, in the forms a page could hold it. */
function secrets(): string[] {
  const recovery = vault.recoveryKey;
  return [
    CARD_PIN,
    WRONG_PIN,
    ...OFFICER_PINS,
    TEST_PASSPHRASE,
    QUORUM_PASSPHRASE,
    WRONG_PASSPHRASE,
    recovery,
    recovery.toLowerCase(),
    recovery.replaceAll('-', ''),
    // Any one group of the key but the prefix would already be a leak.
    ...recovery.split('-').slice(1),
  ];
}

async function expectNoSecretInPage(): Promise<void> {
  expect(await secretsInPage(ui.page, secrets())).toEqual([]);
}

/** What the page's code sees of the page itself; the tests' TypeScript has no DOM types. */
interface PageGlobals {
  document: { activeElement: unknown };
}

const hasFocus = (locator: Locator) =>
  locator.evaluate(
    (node) => node === (globalThis as unknown as PageGlobals).document.activeElement,
  );

/** The quorum's progress line. */
const progress = () => ui.page.getByRole('status').filter({ hasText: 'of 2 factors given' });

const cardPin = () => field(ui.page, `PIN of token ${card.serial} (${card.label})`);
const officerPin = (i: number) => {
  const officer = officers[i]!;
  return field(ui.page, `PIN of token ${officer.serial} (${officer.label})`);
};

describe('the slots of the vault', () => {
  it('are offered by name with their factors in words', async () => {
    const { page } = ui;
    const radios = page.getByRole('radio');
    expect(await radios.count()).toBe(4);
    const text = await page.getByRole('radiogroup', { name: 'Unlock slot' }).textContent();
    expect(text).toContain('Smartcard or HSM (card)');
    expect(text).toContain(`token ${card.serial} (${card.label}) key`);
    expect(text).toContain('Recovery key');
    expect(text).toContain('Quorum: 2 of 3 (officers)');
    for (const officer of officers) expect(text).toContain(`token ${officer.serial}`);
    await ui.screenshot('unlock-factors-slots');
    expect(await ui.seriousViolations()).toEqual([]);
  });
});

describe('a PKCS#11 token slot', () => {
  it('asks for the PIN of the token it names', async () => {
    expect(await chooseSlot(ui.page, 'Smartcard or HSM (card)')).toBe(true);
    await cardPin().waitFor();
    expect(await cardPin().getAttribute('type')).toBe('password');
    await ui.screenshot('unlock-token');
    expect(await ui.seriousViolations()).toEqual([]);
  });

  it('says a wrong PIN in words, with the tries the token reports left', async () => {
    await cardPin().fill(WRONG_PIN);
    const words = await refusedWith(ui.page, 'PIN_INCORRECT');
    expect(words).toContain('The PIN is incorrect');
    // SoftHSM2 keeps no counter but sets CKF_USER_PIN_COUNT_LOW after a wrong PIN.
    expect(words).toContain('few tries remain');
    expect(words).toContain('Each wrong PIN uses up one of its tries.');
    expect(words).not.toContain(WRONG_PIN);
    await ui.screenshot('unlock-token-wrong-pin');
    expect(await ui.seriousViolations()).toEqual([]);
  });

  it('opens with the token and its PIN, and leaves no secret in the page', async () => {
    await cardPin().fill(CARD_PIN);
    await submitAndWaitForApp(ui.page);
    await expectNoSecretInPage();
    await lockVault(ui.page);
    await expectNoSecretInPage();
  });

  it('spends the PIN’s final try only after the person consents to it', async () => {
    const { page } = ui;
    hsm.setPinState(card.serial, { user: 'finalTry' });
    expect(await chooseSlot(ui.page, 'Smartcard or HSM (card)')).toBe(true);
    await cardPin().fill(CARD_PIN);
    const words = await refusedWith(ui.page, 'PIN_FINAL_TRY');
    expect(words).toContain('has one try left: a wrong PIN now locks it');
    const consent = page.getByRole('checkbox', { name: /use its final try/ });
    expect(await consent.isChecked()).toBe(false);
    await ui.screenshot('unlock-token-final-try');
    expect(await ui.seriousViolations()).toEqual([]);

    await consent.focus();
    await page.keyboard.press('Space');
    expect(await consent.isChecked()).toBe(true);
    await cardPin().fill(CARD_PIN);
    await submitAndWaitForApp(ui.page);
    await expectNoSecretInPage();
    hsm.setPinState(card.serial, { user: 'clear' });
    await lockVault(ui.page);
  });
});

describe('the recovery key', () => {
  it('is chosen with the keyboard, and asks for the key', async () => {
    const { page } = ui;
    // The slots are listed passphrase, token, recovery key, quorum: two steps down.
    await slotRadio(ui.page, 'Passphrase').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await slotRadio(ui.page, 'Recovery key').isChecked()).toBe(true);
    // Focus stays on the slot chosen, and Tab goes on to the field it asks for.
    expect(await hasFocus(slotRadio(ui.page, 'Recovery key'))).toBe(true);
    await page.keyboard.press('Tab');
    expect(await hasFocus(field(ui.page, 'Recovery key'))).toBe(true);
    await ui.screenshot('unlock-recovery');
    expect(await ui.seriousViolations()).toEqual([]);
  });

  it('refuses a mistyped key in words, and a well-formed one of another vault', async () => {
    // One character changed: the checksum catches it before any key is derived.
    const groups = vault.recoveryKey.split('-');
    const last = groups[groups.length - 1]!;
    groups[groups.length - 1] = `${last.slice(0, 3)}${last[3] === 'Z' ? 'Y' : 'Z'}`;
    const mistyped = groups.join('-');
    await field(ui.page, 'Recovery key').fill(mistyped);
    const words = await refusedWith(ui.page, 'RECOVERY_KEY_MALFORMED');
    expect(words).toContain('a character is mistyped');
    expect(words).toContain('A recovery key is groups of letters and digits');
    expect(words).not.toContain(mistyped);
    await ui.screenshot('unlock-recovery-mistyped');
    expect(await ui.seriousViolations()).toEqual([]);

    const other = generateRecoveryKey();
    other.secret.fill(0);
    await field(ui.page, 'Recovery key').fill(other.text);
    const otherWords = await refusedWith(ui.page, 'RECOVERY_KEY_INCORRECT');
    expect(otherWords).toContain('The recovery key does not open this vault');
    expect(otherWords).not.toContain(other.text);
  });

  it('opens with the key as a person types it, and leaves no secret in the page', async () => {
    // Lower case with spaces for dashes: the key is read as a person would type it.
    await field(ui.page, 'Recovery key').fill(vault.recoveryKey.toLowerCase().replaceAll('-', ' '));
    await submitAndWaitForApp(ui.page);
    await expectNoSecretInPage();
    expect(await pageText(ui.page)).not.toContain(
      vault.recoveryKey.toLowerCase().replaceAll('-', ' '),
    );
    await lockVault(ui.page);
  });
});

describe('a quorum of 2 of {a passphrase, two tokens}', () => {
  it('shows what each factor needs and how far the quorum is', async () => {
    const { page } = ui;
    expect(await chooseSlot(ui.page, 'Quorum: 2 of 3 (officers)')).toBe(true);
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Unlock' }) });
    expect(await form.textContent()).toContain('Any 2 of these open the vault');
    await field(ui.page, 'Passphrase').waitFor();
    await officerPin(0).waitFor();
    await officerPin(1).waitFor();
    expect(await progress().textContent()).toBe('0 of 2 factors given.');
    await officerPin(0).fill(OFFICER_PINS[0]);
    expect(await progress().textContent()).toBe('1 of 2 factors given.');
    await ui.screenshot('unlock-quorum');
    expect(await ui.seriousViolations()).toEqual([]);
  });

  it('refuses one factor with QUORUM_NOT_MET in words, and clears what was typed', async () => {
    const words = await refusedWith(ui.page, 'QUORUM_NOT_MET');
    expect(words).toContain('opens with 2 of its 3 factors');
    expect(words).toContain('1 was offered');
    expect(words).toContain('More factors (or shares) are needed to reach the quorum.');
    expect(await officerPin(0).inputValue()).toBe('');
    expect(await progress().textContent()).toBe('0 of 2 factors given.');
    await ui.screenshot('unlock-quorum-not-met');
    expect(await ui.seriousViolations()).toEqual([]);
  });

  it('refuses one right factor and one wrong, naming the wrong one’s failure', async () => {
    await officerPin(0).fill(OFFICER_PINS[0]);
    await field(ui.page, 'Passphrase').fill(WRONG_PASSPHRASE);
    expect(await progress().textContent()).toBe('2 of 2 factors given.');
    const words = await refusedWith(ui.page, 'QUORUM_NOT_MET');
    expect(words).toContain('FACTOR_INCORRECT');
    expect(words).not.toContain(WRONG_PASSPHRASE);
    expect(words).not.toContain(OFFICER_PINS[0]);
  });

  it('opens with two factors: the passphrase and the other officer’s token', async () => {
    await field(ui.page, 'Passphrase').fill(QUORUM_PASSPHRASE);
    await officerPin(1).fill(OFFICER_PINS[1]);
    await submitAndWaitForApp(ui.page);
    await expectNoSecretInPage();
    await lockVault(ui.page);
  });
});

describe('a token that is not there', () => {
  it('is told in words, and the passphrase still opens the vault', async () => {
    const { page } = ui;
    hsm.deleteToken(card.serial);
    expect(await chooseSlot(ui.page, 'Smartcard or HSM (card)')).toBe(true);
    await cardPin().fill(CARD_PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    const words = (await alert.textContent()) ?? '';
    expect(words).toMatch(/TOKEN_NOT_PRESENT|TOKEN_REMOVED/);
    expect(words).toMatch(/Insert the token|insert it and try again/);
    expect(words).not.toContain(CARD_PIN);
    await ui.screenshot('unlock-token-absent');
    expect(await ui.seriousViolations()).toEqual([]);

    expect(await chooseSlot(ui.page, 'Passphrase')).toBe(true);
    await field(ui.page, 'Passphrase').fill(TEST_PASSPHRASE);
    await submitAndWaitForApp(ui.page);
    await expectNoSecretInPage();
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
