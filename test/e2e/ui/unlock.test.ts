import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultInUi, openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The unlock screen in Chromium: a vault created from nothing, a wrong passphrase told in
// words, the right one opening the app, and a lock that reloads the page to the start.

const PASSPHRASE = 'correct horse battery staple';
let dir: TempDir;
let ui: UiSession;

beforeAll(async () => {
  dir = tempDir('keywarden-ui-unlock-');
  ui = await openUi({ vault: dir.file('vault.kw') });
}, 60_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

describe('unlocking', () => {
  it('offers to create the vault the settings name, then opens the app', async () => {
    const { page } = ui;
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    await ui.screenshot('unlock-create');
    expect(await ui.seriousViolations()).toEqual([]);
    await page.getByLabel('New passphrase').fill(PASSPHRASE);
    await page.getByLabel('The same passphrase again').fill('something else');
    expect(await page.getByText('The two entries differ.').isVisible()).toBe(true);
    await page.getByLabel('The same passphrase again').fill('');
    await createVaultInUi(page, PASSPHRASE);
    expect(await page.getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe(
      'page',
    );
    await ui.screenshot('shell');
  });

  it('locks: the page starts again at the unlock screen, and nothing typed is left in it', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Lock vault' }).click();
    await page.getByRole('heading', { name: 'Unlock with' }).waitFor();
    expect(await page.getByLabel('Passphrase', { exact: true }).inputValue()).toBe('');
    expect(await page.content()).not.toContain(PASSPHRASE);
  });

  it('says a wrong passphrase in words, and opens with the right one', async () => {
    const { page } = ui;
    await page.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
    await page.getByRole('button', { name: 'Unlock' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('PASSPHRASE_INCORRECT');
    expect(await alert.textContent()).toContain('Caps Lock');
    await ui.screenshot('unlock-wrong-passphrase');
    expect(await ui.seriousViolations()).toEqual([]);
    await unlockInUi(page, PASSPHRASE);
    expect(await page.content()).not.toContain(PASSPHRASE);
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
