import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { startSoftHsm } from '../../helpers/softhsm.fixture.ts';
import type { SoftHsm, SoftHsmToken } from '../../helpers/softhsm.fixture.ts';
import { createVaultInUi, openUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The tokens screen in Chromium against real SoftHSM2 tokens: both listed with their serials,
// a token deleted and one added seen live (the app looks about every second) and announced,
// objects listed with and without the PIN, a wrong PIN told with its tries left, a P-256 key
// generated on a token and found among its objects by CKA_ID, the PIN changed and the new one
// used, the final try spent only after consent, a locked PIN unblocked with the SO PIN, and
// SoftHSM2's fresh token initialised after a confirmation.

const PASSPHRASE = 'correct horse battery staple';
// PINs that no serial, CKA_ID or label can contain by chance, so the page can be searched for them.
const NEW_PIN = 'pin-changed-7q';
const UNBLOCKED_PIN = 'pin-unblocked-7q';
const INIT_PIN = 'pin-init-7q';
const INIT_SO_PIN = 'so-pin-init-7q';
/** A token change is noticed within about a second; allow for a slow, busy machine. */
const LIVE = { timeout: 15_000 };
let dir: TempDir;
let hsm: SoftHsm;
let ui: UiSession;
let first: SoftHsmToken;
let second: SoftHsmToken;

/** The option (card) of the token with this serial in the list of attached tokens. */
const card = (serial: string): Locator =>
  ui.page.getByRole('listbox', { name: 'Attached tokens' }).getByRole('option').filter({
    hasText: serial,
  });
const options = () => ui.page.getByRole('listbox', { name: 'Attached tokens' }).getByRole('option');
const news = () => ui.page.locator('.token-news');
const tab = (name: string) => ui.page.getByRole('tab', { name });
const objectRows = () => ui.page.locator('.objects-table tbody tr');

async function expectAxeClean(): Promise<void> {
  expect(await ui.seriousViolations()).toEqual([]);
}

/** Lists the selected token's objects with `pin` ('' for public objects only). */
async function listObjects(pin: string): Promise<void> {
  const { page } = ui;
  await tab('Objects').click();
  await page.getByLabel('User PIN').fill(pin);
  await page.getByRole('button', { name: 'List objects' }).click();
}

beforeAll(async () => {
  dir = tempDir('keywarden-ui-tokens-');
  hsm = startSoftHsm({ tokens: 2, prefix: 'kw-ui-' });
  [first, second] = hsm.tokens as [SoftHsmToken, SoftHsmToken];
  // A key pair made by a peer (OpenSC), so the first token has public and private objects.
  hsm.pkcs11Tool(
    [
      '--login',
      '--pin',
      first.pin,
      '--keypairgen',
      '--key-type',
      'EC:prime256v1',
      '--label',
      'peer-made',
      '--id',
      'c0ffee01',
    ],
    first,
  );
  ui = await openUi({ vault: dir.file('vault.kw'), softhsmConf: hsm.conf });
  // Tall enough that a screenshot holds the selected token's panel (the screen scrolls inside).
  await ui.page.setViewportSize({ width: 1280, height: 1500 });
  await createVaultInUi(ui.page, PASSPHRASE);
  // The app acts as the OS user, who must be in the people registry to generate keys. The
  // People screen is not under test here, so the registry is filled through the API.
  const added = await ui.page.evaluate(async (name) => {
    const api = (
      globalThis as unknown as {
        keywarden: { people: { add(r: unknown): Promise<{ ok: boolean }> } };
      }
    ).keywarden;
    return api.people.add({ name, roles: ['officer'] });
  }, userInfo().username);
  expect(added.ok).toBe(true);
  await ui.page.getByRole('link', { name: 'Tokens' }).click();
}, 90_000);

afterAll(async () => {
  await ui?.close();
  hsm?.cleanup();
  dir?.cleanup();
});

describe('the tokens screen', () => {
  it('lists both tokens with their serials, labels and PIN states', async () => {
    const { page } = ui;
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await card(first.serial).waitFor(LIVE);
    // SoftHSM2 always offers one more token, not initialised, in its free slot.
    expect(await options().count()).toBe(3);
    expect(await options().filter({ hasText: 'not initialised' }).count()).toBe(1);
    for (const token of [first, second]) {
      const text = await card(token.serial).textContent();
      expect(text).toContain(token.label);
      expect(text).toContain('SoftHSM');
      expect(text).toContain('libsofthsm2.so');
    }
    expect(await card(first.serial).locator('.pin-states').textContent()).toBe(
      'User PINokSO PINok',
    );
    await ui.screenshot('tokens-list');
    await expectAxeClean();
  });

  it('sees a token removed and one inserted as it happens, and says so', async () => {
    const { page } = ui;
    hsm.deleteToken(second.serial);
    await card(second.serial).waitFor({ state: 'detached', ...LIVE });
    expect(await options().count()).toBe(2);
    expect(await news().textContent()).toBe(
      `Token “${second.label}” (${second.serial}) was removed.`,
    );
    await ui.screenshot('tokens-removed');

    const third = hsm.addToken('kw-ui-3');
    await card(third.serial).waitFor(LIVE);
    expect(await options().count()).toBe(3);
    expect(await news().textContent()).toBe(`Token “kw-ui-3” (${third.serial}) was inserted.`);
    expect(await page.getByRole('status').filter({ hasText: 'was inserted' }).count()).toBe(1);
    await ui.screenshot('tokens-inserted');
    await expectAxeClean();
  });

  it('lists public objects without the PIN, and private ones with it', async () => {
    const { page } = ui;
    await card(first.serial).click();
    await page.getByRole('heading', { level: 2, name: new RegExp(first.label) }).waitFor();
    await listObjects('');
    await page.locator('.objects-table').waitFor();
    expect(await objectRows().allTextContents()).toEqual(['Public keypeer-madec0ffee01EC P-256']);
    await ui.screenshot('tokens-objects-public');

    await listObjects(first.pin);
    await page.getByText('(public only').waitFor({ state: 'detached' });
    const rows = await objectRows().allTextContents();
    expect(rows).toHaveLength(2);
    const privateRow = rows.find((row) => row.startsWith('Private key')) ?? '';
    expect(privateRow).toContain('c0ffee01');
    expect(privateRow).toContain('sensitive');
    expect(privateRow).toContain('generated on the token');
    expect(await page.getByLabel('User PIN').inputValue()).toBe('');
    await ui.screenshot('tokens-objects');
    await expectAxeClean();
  });

  it('says a wrong PIN in words, with the tries left, and shows the PIN state', async () => {
    const { page } = ui;
    await listObjects('0000');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const said = (await alert.textContent()) ?? '';
    expect(said).toContain('The PIN is incorrect; few tries remain');
    expect(said).toContain('Each wrong PIN uses up one of its tries.');
    expect(said).toContain('PIN_INCORRECT');
    await card(first.serial).getByText('tries low', { exact: true }).waitFor(LIVE);
    expect(await page.getByLabel('User PIN').inputValue()).toBe('');
    await ui.screenshot('tokens-wrong-pin');
    await expectAxeClean();
  });

  it('generates a P-256 key on the token and finds it among the objects by CKA_ID', async () => {
    const { page } = ui;
    await tab('Generate a key').click();
    await page.getByLabel('Key name').fill('release signing');
    expect(await page.getByRole('button', { name: /Algorithm/ }).textContent()).toContain(
      'EC P-256',
    );
    await page.getByLabel('User PIN').fill(first.pin);
    await ui.screenshot('tokens-generate-form');
    await expectAxeClean();
    await page.getByRole('button', { name: 'Generate on this token' }).click();
    const made = page.getByRole('status').filter({ hasText: 'Generated release signing' });
    await made.waitFor({ timeout: 30_000 });
    const ckaId = (await made.locator('code').textContent()) ?? '';
    expect(ckaId).toMatch(/^([0-9a-f]{2}){8,}$/);
    expect(await page.getByLabel('User PIN').inputValue()).toBe('');
    await ui.screenshot('tokens-generated');
    // The token itself holds it, as a peer reads it.
    expect(hsm.pkcs11Tool(['--login', '--pin', first.pin, '--list-objects'], first)).toContain(
      ckaId,
    );

    await tab('Objects').click();
    const rows = await objectRows().allTextContents();
    const ours = rows.filter((row) => row.includes(ckaId));
    expect(ours.map((row) => row.slice(0, row.indexOf('release signing')))).toEqual(
      expect.arrayContaining(['Private key', 'Public key']),
    );
    expect(ours.find((row) => row.startsWith('Private key'))).toContain('never extractable');
    // RSA takes the token seconds: the form says so with a progress bar meanwhile.
    await tab('Generate a key').click();
    await page.getByLabel('Key name').fill('code signing');
    await page.getByRole('button', { name: /Algorithm/ }).click();
    await page.getByRole('option', { name: 'RSA 3072' }).click();
    await page.getByLabel('User PIN').fill(first.pin);
    await page.getByRole('button', { name: 'Generate on this token' }).click();
    await page.getByRole('progressbar', { name: /generating an RSA key/ }).waitFor();
    await ui.screenshot('tokens-generating');
    await page
      .getByRole('status')
      .filter({ hasText: 'Generated code signing (rsa3072)' })
      .waitFor({ timeout: 60_000 });
    expect(await page.getByLabel('Key name').inputValue()).toBe('');
    // And the wrong PIN's mark is gone once the right one was used.
    await card(first.serial)
      .getByText('tries low', { exact: true })
      .waitFor({ state: 'detached', ...LIVE });
  });

  it('changes the PIN; then only the new PIN lists the objects', async () => {
    const { page } = ui;
    await tab('Change PIN').click();
    await page.getByLabel('Current user PIN').fill(first.pin);
    await page.getByLabel('New user PIN', { exact: true }).fill(NEW_PIN);
    await page.getByLabel('New user PIN, again').fill(`${NEW_PIN}x`);
    expect(await page.getByText('The two entries differ.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Change PIN' }).isDisabled()).toBe(true);
    await page.getByLabel('New user PIN, again').fill(NEW_PIN);
    await ui.screenshot('tokens-change-pin');
    await expectAxeClean();
    await page.getByRole('button', { name: 'Change PIN' }).click();
    await page.getByRole('status').filter({ hasText: 'was changed' }).waitFor();
    expect(await page.getByLabel('Current user PIN').inputValue()).toBe('');
    expect(await page.getByLabel('New user PIN', { exact: true }).inputValue()).toBe('');

    await listObjects(first.pin);
    await page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' }).waitFor();
    await listObjects(NEW_PIN);
    await page.getByRole('alert').waitFor({ state: 'detached' });
    expect((await objectRows().allTextContents()).length).toBe(6);
  });

  it('spends a final try only after the person consents to it', async () => {
    const { page } = ui;
    hsm.setPinState(first.serial, { user: 'finalTry' });
    await page.getByRole('button', { name: 'Look again' }).click();
    await card(first.serial).getByText('final try', { exact: true }).waitFor(LIVE);
    await tab('Objects').click();
    const consent = page.getByRole('checkbox', { name: /Use the final try/ });
    await consent.waitFor();
    await page.getByLabel('User PIN').fill(NEW_PIN);
    await page.getByRole('button', { name: 'List objects' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('has one try left: a wrong PIN now locks it');
    expect(await refusal.textContent()).toContain('PIN_FINAL_TRY');
    await ui.screenshot('tokens-final-try');
    await expectAxeClean();

    await page.getByText('Use the final try: I am sure of this PIN').click();
    expect(await consent.isChecked()).toBe(true);
    await listObjects(NEW_PIN);
    await refusal.waitFor({ state: 'detached' });
    expect((await objectRows().allTextContents()).length).toBe(6);
  });

  it('shows a locked PIN, and the security officer unblocks it with the SO PIN', async () => {
    const { page } = ui;
    hsm.setPinState(first.serial, { user: 'locked' });
    await page.getByRole('button', { name: 'Look again' }).click();
    await card(first.serial).getByText('locked', { exact: true }).waitFor(LIVE);
    await page.getByRole('alert').filter({ hasText: 'is locked' }).waitFor();
    await page.getByRole('button', { name: 'Unblock the PIN' }).click();
    expect(await tab('Unblock PIN').getAttribute('aria-selected')).toBe('true');
    await ui.screenshot('tokens-locked');
    await expectAxeClean();
    await page.getByLabel('SO PIN').fill(first.soPin);
    await page.getByLabel('New user PIN', { exact: true }).fill(UNBLOCKED_PIN);
    await page.getByLabel('New user PIN, again').fill(UNBLOCKED_PIN);
    await page.getByRole('button', { name: 'Unblock PIN' }).click();
    await page.getByRole('status').filter({ hasText: 'is unblocked' }).waitFor();
    await card(first.serial)
      .getByText('locked', { exact: true })
      .waitFor({ state: 'detached', ...LIVE });
    await listObjects(UNBLOCKED_PIN);
    await page.locator('.objects-table').waitFor();
    expect((await objectRows().allTextContents()).length).toBe(6);
  });

  it('initialises a fresh token only after a confirmation, and selects it', async () => {
    const { page } = ui;
    const fresh = options().filter({ hasText: 'not initialised' });
    await fresh.click();
    await page.getByRole('heading', { level: 3, name: 'Initialise the token' }).waitFor();
    await page.getByLabel('Token label').fill('kw-ui-fresh');
    await page.getByLabel('New SO PIN', { exact: true }).fill(INIT_SO_PIN);
    await page.getByLabel('New SO PIN, again').fill(INIT_SO_PIN);
    await page.getByLabel('New user PIN', { exact: true }).fill(INIT_PIN);
    await page.getByLabel('New user PIN, again').fill(INIT_PIN);
    await page.getByRole('button', { name: 'Initialise token…' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.getByRole('heading').textContent()).toBe(
      'Initialise this token as “kw-ui-fresh”?',
    );
    await ui.screenshot('tokens-init-confirm');
    await expectAxeClean();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByLabel('New SO PIN', { exact: true }).inputValue()).toBe(INIT_SO_PIN);

    await page.getByRole('button', { name: 'Initialise token…' }).click();
    await dialog.getByRole('button', { name: 'Initialise', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /kw-ui-fresh/ }).waitFor({ timeout: 30_000 });
    const made = options().filter({ hasText: 'kw-ui-fresh' });
    expect(await made.getAttribute('aria-selected')).toBe('true');
    expect(await made.locator('.pin-states').textContent()).toBe('User PINokSO PINok');
    await listObjects(INIT_PIN);
    await page.locator('.empty').filter({ hasText: 'holds no objects.' }).waitFor();
    await ui.screenshot('tokens-initialised');
  });

  it('works from the keyboard, and reads the same in the dark theme', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: /^Theme:/ }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    // Type-ahead finds a token by its label; Enter selects it (Space would join the search).
    await options().filter({ hasText: 'kw-ui-fresh' }).focus();
    await page.keyboard.type(first.label);
    await page.keyboard.press('Enter');
    expect(await card(first.serial).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('heading', { level: 2, name: new RegExp(first.label) }).waitFor();
    await page.getByLabel('User PIN').focus();
    await page.keyboard.type(UNBLOCKED_PIN);
    await page.keyboard.press('Enter');
    await page.locator('.objects-table').waitFor();
    await ui.screenshot('tokens-dark');
    await expectAxeClean();
  });

  it('kept every secret out of the page and showed no console error', async () => {
    const html = await ui.page.content();
    for (const secret of [NEW_PIN, UNBLOCKED_PIN, INIT_PIN, INIT_SO_PIN])
      expect(html).not.toContain(secret);
    expect(ui.errors).toEqual([]);
  });
});
