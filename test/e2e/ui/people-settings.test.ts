import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { KeywardenApi } from '../../../electron/shared/api.ts';
import { gateChannels, later } from '../../helpers/channel-gate.ts';
import type { ChannelGate } from '../../helpers/channel-gate.ts';
import { openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { makeVault, tempDir, TEST_PASSPHRASE } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The people and settings screens in Chromium, driven as a person would: people added with
// their roles (a duplicate refused in words), a presence passphrase enrolled; a second
// passphrase slot added with re-authentication while its KDF calibration shows, renamed and
// removed, the last slot's removal refused in words, and the vault passphrase changed (and
// calibrated again) then opening the vault; the auto-lock time kept across a reload and
// followed when changed elsewhere; the theme switched. Axe on every screen and dialog, a
// screenshot of each state.

const SECOND_PASSPHRASE = 'a second passphrase for the vault';
const NEW_PASSPHRASE = 'the vault passphrase from now on';
/** The app acts as the OS user: the registry's first person, an officer, adds the others. */
const ME = userInfo().username;
let dir: TempDir;
let ui: UiSession;
/**
 * Holds the replies of the calls that calibrate a new passphrase, so the calibration's line
 * is seen however quickly the derivation ends; no gate lets them through at once.
 */
let held: ChannelGate<unknown> = {};

/** Holds the next reply of a calibrating call until the returned function is called. */
function holdReply(): () => void {
  const reply = later();
  held = { reply: () => reply.promise };
  return () => {
    held = {};
    reply.release();
  };
}

beforeAll(async () => {
  dir = tempDir('keywarden-ui-people-settings-');
  // A vault made with the cheapest KDF, so each re-authentication takes milliseconds; the new
  // slot below is calibrated with the vault's real defaults.
  await makeVault(dir.file('vault.kw'));
  ui = await openUi({ vault: dir.file('vault.kw') });
  await gateChannels(ui.page, ['vault:add-slot', 'vault:change-passphrase'], () => held);
  // The page opened before the routes: loaded again, its socket goes through them.
  await ui.page.reload();
  await unlockInUi(ui.page, TEST_PASSPHRASE);
}, 60_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

/** Axe finds no serious or critical violation (listed in full when it does). */
async function expectAxeClean(): Promise<void> {
  expect((await ui.seriousViolations()).join('\n')).toBe('');
}

/** Checks a label's box (React Aria hides the input itself; a person clicks its label). */
async function choose(page: Page, scope: Locator, role: 'checkbox' | 'radio', name: string) {
  await scope.locator('label', { has: page.getByRole(role, { name, exact: true }) }).click();
}

async function addPerson(page: Page, name: string, roles: string[]): Promise<void> {
  const form = page.getByRole('region', { name: 'Add a person' });
  await form.getByLabel('Name').fill(name);
  for (const role of roles) await choose(page, form, 'checkbox', role);
  await form.getByRole('button', { name: 'Add person' }).click();
}

describe('the people screen', () => {
  it('starts with an empty registry that says what to do', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
    await page.getByText('No one is registered yet.').waitFor();
    await ui.screenshot('people-empty');
    await expectAxeClean();
  });

  it('refuses a person without a name or a role, in words, before sending anything', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Add person' }).click();
    expect(await page.getByText("Type the person's name.").isVisible()).toBe(true);
    expect(await page.getByText('Choose at least one role.').isVisible()).toBe(true);
    await ui.screenshot('people-add-incomplete');
    await expectAxeClean();
  });

  it('adds people with their roles, shown as badges', async () => {
    const { page } = ui;
    await addPerson(page, ME, ['Officer']);
    await page
      .getByRole('status')
      .filter({ hasText: `Added ${ME} (officer).` })
      .waitFor();
    await addPerson(page, 'Ada Lovelace', ['Custodian', 'Witness']);
    await page.getByRole('rowheader', { name: 'Ada Lovelace' }).waitFor();
    const roles = page.getByRole('list', { name: 'Roles of Ada Lovelace' }).getByRole('listitem');
    expect(await roles.allTextContents()).toEqual(['Custodian', 'Witness']);
    expect(
      await page
        .getByRole('list', { name: `Roles of ${ME}` })
        .getByRole('listitem')
        .allTextContents(),
    ).toEqual(['Officer']);
    // The form is empty again for the next person.
    expect(await page.getByLabel('Name').inputValue()).toBe('');
    await ui.screenshot('people-list');
    await expectAxeClean();
  });

  it('refuses a duplicate name in words', async () => {
    const { page } = ui;
    await addPerson(page, 'ada lovelace', ['Auditor']);
    const alert = page.getByRole('region', { name: 'Add a person' }).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('"ada lovelace" is already in the registry.');
    expect(await page.getByRole('rowheader').count()).toBe(2);
    await ui.screenshot('people-duplicate');
    await expectAxeClean();
  });

  it("enrols a person's ceremony presence passphrase, typed twice", async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Set presence passphrase for Ada Lovelace' }).click();
    const dialog = page.getByRole('dialog', { name: 'Presence passphrase for Ada Lovelace' });
    await dialog.waitFor();
    await expectAxeClean();
    await dialog.getByLabel('Presence passphrase').fill('short');
    await dialog.getByLabel('The same passphrase again').fill('shorts');
    expect(await dialog.getByText('The two entries differ.').isVisible()).toBe(true);
    await dialog.getByLabel('The same passphrase again').fill('short');
    await dialog.getByRole('button', { name: 'Enrol the passphrase' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('at least 8 characters');
    // The secret fields are emptied after every try.
    expect(await dialog.getByLabel('Presence passphrase').inputValue()).toBe('');
    await ui.screenshot('people-presence-refused');
    await expectAxeClean();
    await dialog.getByLabel('Presence passphrase').fill('ada presence phrase');
    await dialog.getByLabel('The same passphrase again').fill('ada presence phrase');
    await dialog.getByRole('button', { name: 'Enrol the passphrase' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('status')
      .filter({ hasText: 'Ada Lovelace can now prove presence at ceremonies' })
      .waitFor();
    await ui.screenshot('people-presence-enrolled');
  });
});

describe('the settings screen: unlock slots', () => {
  const slotRows = () => ui.page.getByRole('region', { name: 'Unlock slots' }).locator('tbody tr');

  it('lists the vault passphrase slot', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(await slotRows().count()).toBe(1);
    expect(await slotRows().first().textContent()).toContain('Argon2id: 19 MiB, 2 iterations');
    await ui.screenshot('settings');
    await expectAxeClean();
  });

  it('adds a second passphrase slot with re-authentication, showing the KDF calibration', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Add an unlock slot…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an unlock slot' });
    await dialog.waitFor();
    await ui.screenshot('settings-add-slot');
    await expectAxeClean();
    await dialog.getByLabel('New passphrase').fill(SECOND_PASSPHRASE);
    await dialog.getByLabel('The same passphrase again').fill(SECOND_PASSPHRASE);
    await dialog.getByLabel('Name of the slot (optional)').fill('backup');
    await dialog.getByLabel('Current vault passphrase').fill(TEST_PASSPHRASE);
    const release = holdReply();
    await dialog.getByRole('button', { name: 'Add the slot' }).click();
    // The calibration's event names the iterations chosen while the new key is derived.
    const calibrated = dialog.getByRole('progressbar', {
      name: /^Calibrated on this machine: \d+ iterations/,
    });
    await calibrated.waitFor({ timeout: 30_000 });
    await ui.screenshot('settings-add-slot-calibrating');
    release();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('status').filter({ hasText: 'Added slot #2: passphrase.' }).waitFor();
    expect(await slotRows().count()).toBe(2);
    expect(await slotRows().nth(1).textContent()).toContain('backup');
    expect(await slotRows().nth(1).textContent()).toContain('256 MiB');
    await ui.screenshot('settings-slot-added');
    await expectAxeClean();
  });

  it('says in words when a device is not there (no TPM here)', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Add an unlock slot…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an unlock slot' });
    await dialog.getByRole('button', { name: /Kind of factor/ }).click();
    await page.getByRole('option', { name: 'TPM 2.0' }).click();
    await dialog.getByRole('button', { name: 'Add the slot' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('TPM_UNAVAILABLE');
    expect(await alert.textContent()).toContain('use another unlock factor');
    await ui.screenshot('settings-add-slot-no-tpm');
    await expectAxeClean();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await slotRows().count()).toBe(2);
  });

  it('renames the slot, refusing a wrong re-authentication first', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Rename slot #2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename slot #2' });
    expect(await dialog.getByLabel('Name').inputValue()).toBe('backup');
    await dialog.getByLabel('Name').fill('backup at home');
    await dialog.getByLabel('Current vault passphrase').fill('not the passphrase');
    await dialog.getByRole('button', { name: 'Rename the slot' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toMatch(/INCORRECT/);
    expect(await dialog.getByLabel('Current vault passphrase').inputValue()).toBe('');
    await ui.screenshot('settings-rename-refused');
    await expectAxeClean();
    await dialog.getByLabel('Current vault passphrase').fill(TEST_PASSPHRASE);
    await dialog.getByRole('button', { name: 'Rename the slot' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'now named “backup at home”' }).waitFor();
    expect(await slotRows().nth(1).textContent()).toContain('backup at home');
  });

  it('removes the slot', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Remove slot #2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove slot #2' });
    await dialog.waitFor();
    await expectAxeClean();
    await dialog.getByLabel('Current vault passphrase').fill(TEST_PASSPHRASE);
    await dialog.getByRole('button', { name: 'Remove the slot' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Removed slot #2' }).waitFor();
    expect(await slotRows().count()).toBe(1);
  });

  it('asks for the vault passphrase when the unlock is no longer fresh (REAUTH_REQUIRED)', async () => {
    const { page } = ui;
    // Two minutes after unlocking, a slot change sent without factors is refused with
    // REAUTH_REQUIRED. A test does not wait that long: the bridge's socket is routed, and the
    // first rename sent without a passphrase gets the vault's answer from here; every other
    // frame, that rename's retry included, goes to the real services and back.
    let refused = 0;
    await page.routeWebSocket(
      (url) => url.protocol === 'ws:',
      (socket) => {
        const server = socket.connectToServer();
        socket.onMessage((message) => {
          const frame = JSON.parse(String(message)) as {
            id: number;
            channel: string;
            request: { reauth?: unknown };
          };
          if (frame.channel === 'vault:rename-slot' && !frame.request.reauth && refused === 0) {
            refused += 1;
            const error = {
              code: 'REAUTH_REQUIRED',
              message:
                'Changing unlock slots needs a fresh unlock: the vault was unlocked more than 2 minutes ago. Unlock it again.',
            };
            socket.send(JSON.stringify({ id: frame.id, reply: { ok: false, error } }));
            return;
          }
          server.send(message);
        });
      },
    );
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Rename slot #1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename slot #1' });
    await dialog.getByLabel('Name').fill('everyday');
    await dialog.getByRole('button', { name: 'Rename the slot' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('REAUTH_REQUIRED');
    const passphrase = dialog.getByRole('textbox', { name: 'Current vault passphrase' });
    expect(await passphrase.getAttribute('required')).not.toBeNull();
    // The cursor is already where the passphrase goes.
    await page.keyboard.type(TEST_PASSPHRASE);
    await dialog.getByText('Required: the vault was unlocked more than two minutes ago.').waitFor();
    await ui.screenshot('settings-reauth-required');
    await expectAxeClean();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'now named “everyday”' }).waitFor();
    expect(refused).toBe(1);
  });

  it("refuses, in words, to remove the vault's last slot", async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Remove slot #1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove slot #1' });
    await dialog.getByLabel('Current vault passphrase').fill(TEST_PASSPHRASE);
    await dialog.getByRole('button', { name: 'Remove the slot' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("the vault's only unlock slot");
    expect(await alert.textContent()).toContain('SLOT_LAST_REMAINING');
    await ui.screenshot('settings-remove-last-refused');
    await expectAxeClean();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await slotRows().count()).toBe(1);
  });

  it('changes the vault passphrase, calibrated again, and the new one opens the vault', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Change the vault passphrase…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change the vault passphrase' });
    await dialog.waitFor();
    await expectAxeClean();
    await dialog.getByLabel('Current vault passphrase').fill(TEST_PASSPHRASE);
    await dialog.getByLabel('New passphrase', { exact: true }).fill(NEW_PASSPHRASE);
    await dialog.getByLabel('The same new passphrase again').fill(NEW_PASSPHRASE);
    const release = holdReply();
    await dialog.getByRole('button', { name: 'Change the passphrase' }).click();
    await dialog.getByRole('progressbar', { name: /^Calibrat/ }).waitFor();
    release();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('status').filter({ hasText: 'The vault passphrase is changed' }).waitFor();
    expect(await slotRows().first().textContent()).toContain('256 MiB');
    // A lock reloads the page; the new passphrase opens the vault again.
    await page.getByRole('button', { name: 'Lock vault' }).click();
    await page.getByRole('heading', { name: 'Unlock with' }).waitFor();
    await unlockInUi(page, NEW_PASSPHRASE);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  });
});

describe('the settings screen: auto-lock and theme', () => {
  const autoLock = () => ui.page.getByRole('region', { name: 'Auto-lock' });

  it('keeps a new auto-lock time across a reload', async () => {
    const { page } = ui;
    await autoLock().getByRole('textbox', { name: 'Lock after this many idle minutes' }).fill('12');
    await autoLock().getByRole('button', { name: 'Save' }).click();
    await autoLock()
      .getByRole('status')
      .filter({ hasText: 'Saved. The vault locks after 12 idle minutes.' })
      .waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor({ timeout: 30_000 });
    await autoLock().getByText('The vault locks after 12 idle minutes.').waitFor();
    expect(
      await autoLock()
        .getByRole('textbox', { name: 'Lock after this many idle minutes' })
        .inputValue(),
    ).toBe('12');
    await ui.screenshot('settings-auto-lock');
    await expectAxeClean();
  });

  it('follows a change made elsewhere (settings:changed)', async () => {
    const { page } = ui;
    // As the app's menu or another window would: through the main process, not this screen.
    // (The page's window.keywarden; the tests' TypeScript has no DOM types, hence the cast.)
    await page.evaluate(() =>
      (globalThis as unknown as { keywarden: KeywardenApi }).keywarden.settings.set({
        autoLockMinutes: 0,
      }),
    );
    await autoLock().getByText('The vault never locks on idle.').waitFor();
    expect(
      await autoLock()
        .getByRole('textbox', { name: 'Lock after this many idle minutes' })
        .inputValue(),
    ).toBe('0');
  });

  it('switches the theme, as the sidebar button shows', async () => {
    const { page } = ui;
    const theme = page.getByRole('region', { name: 'Theme' });
    // document.documentElement.dataset.theme, as the CSS reads it.
    const applied = () => page.locator('html').getAttribute('data-theme');
    await choose(page, theme, 'radio', 'Dark');
    expect(await applied()).toBe('dark');
    expect(await page.getByRole('button', { name: 'Theme: dark' }).isVisible()).toBe(true);
    await ui.screenshot('settings-dark');
    await expectAxeClean();
    await choose(page, theme, 'radio', 'Light');
    expect(await applied()).toBe('light');
    expect(await page.getByRole('button', { name: 'Theme: light' }).isVisible()).toBe(true);
    // The sidebar's button changes the same choice.
    await page.getByRole('button', { name: 'Theme: light' }).click();
    expect(await theme.getByRole('radio', { name: 'Same as the system' }).isChecked()).toBe(true);
  });

  it('shows the vault file, read-only', async () => {
    const facts = ui.page.getByRole('region', { name: 'Vault file' });
    expect(await facts.textContent()).toContain(dir.file('vault.kw'));
    expect(await facts.getByRole('textbox').count()).toBe(0);
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
