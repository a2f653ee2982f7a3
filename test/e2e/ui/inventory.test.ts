import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeywardenApi } from '../../../electron/shared/api.ts';
import type { KeyView } from '../../../electron/shared/inventory-types.ts';
import { seedInventoryVault, VAULT_SERIAL } from '../../helpers/inventory-ui-seed.ts';
import { startSoftHsm } from '../../helpers/softhsm.fixture.ts';
import type { SoftHsm, SoftHsmToken } from '../../helpers/softhsm.fixture.ts';
import { createVaultInUi, openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir, TEST_PASSPHRASE } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The inventory screen in Chromium over a real vault of 26 keys (entered through the real
// entry path with past activation dates, so some are due soon or overdue, and moved through
// real transitions) and a real SoftHSM2 token: sorting by the column headers, every filter,
// the search, a saved view recalled after a reload, moving through the rows with the keyboard
// and opening one, a new key generated in the vault and one on the token (after a wrong PIN
// told in words), and the empty state of a new vault.

const ME = userInfo().username;
let dir: TempDir;
let hsm: SoftHsm;
let token: SoftHsmToken;
let ui: UiSession;
let seeded: KeyView[];

/** The page's globals the callbacks run in the page use (this file is checked without the DOM lib). */
interface PageGlobals {
  document: {
    activeElement: {
      getAttribute(name: string): string | null;
      querySelector(selector: string): { getAttribute(name: string): string | null } | null;
    } | null;
    documentElement: { dataset: Record<string, string> };
  };
  location: { hash: string };
  keywarden: KeywardenApi;
}

const grid = () => ui.page.getByRole('grid', { name: 'Keys' });
/** The body rows in the DOM (the grid renders those in view, and a few around them). */
const bodyRows = () => grid().getByRole('rowgroup').nth(1).getByRole('row');

/** The names of the rows in the DOM, in order. */
async function names(): Promise<string[]> {
  return bodyRows().evaluateAll((rows) =>
    rows
      .sort((a, b) => Number(a.ariaRowIndex) - Number(b.ariaRowIndex))
      .map((row) => row.querySelector('a')?.textContent ?? ''),
  );
}

/** Picks `option` in the choice labelled `label` (React Aria's Select) with the mouse. */
async function choose(label: string, option: string, scope = ui.page.locator('body')) {
  await scope.getByRole('button', { name: new RegExp(` ${label}$`) }).click();
  await ui.page.getByRole('option', { name: option, exact: true }).click();
}

/** Waits until the count line says `text`. */
async function expectCount(text: string): Promise<void> {
  await ui.page.getByText(text, { exact: true }).waitFor();
}

async function expectClean(): Promise<void> {
  expect(await ui.seriousViolations()).toEqual([]);
}

const activeRowIndex = () =>
  ui.page.evaluate(
    () =>
      (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute(
        'aria-rowindex',
      ) ?? null,
  );

beforeAll(async () => {
  dir = tempDir('keywarden-ui-inventory-');
  hsm = startSoftHsm({ tokens: 1, prefix: 'kw-inv-' });
  token = hsm.tokens[0] as SoftHsmToken;
  seeded = await seedInventoryVault(dir.file('vault.kw'), ME);
  ui = await openUi({ vault: dir.file('vault.kw'), softhsmConf: hsm.conf });
  await unlockInUi(ui.page, TEST_PASSPHRASE);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  hsm?.cleanup();
  dir?.cleanup();
});

describe('the inventory', () => {
  it('lists every key with its owner, state, location and crypto-period left', async () => {
    const { page } = ui;
    await grid().waitFor();
    await expectCount('26 keys');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Keys');
    expect(await grid().getAttribute('aria-rowcount')).toBe('27');
    // Virtualized: far fewer rows in the DOM than the table has only when it is long; all
    // 26 fit in the rendered window here, in the service's name order.
    expect((await names()).slice(0, 3)).toEqual(['backup kek', 'billing signing', 'ci-runner ssh']);
    const hsmRow = bodyRows().filter({ hasText: 'hsm root ca' });
    expect(await hsmRow.getByRole('gridcell').allTextContents()).toEqual([
      'hsm root ca',
      'p384',
      'Ada Novak',
      'active',
      '1',
      `token ${VAULT_SERIAL}`,
      expect.stringMatching(/^(2|3) years$/),
    ]);
    const overdue = bodyRows().filter({ hasText: 'ci-runner ssh' }).locator('.badge-danger');
    expect(await overdue.textContent()).toMatch(/^overdue by 1[12] days$/);
    const soon = bodyRows().filter({ hasText: 'ledger signing' }).locator('.badge-warn');
    expect(await soon.textContent()).toMatch(/^(9|10) days$/);
    expect(await bodyRows().filter({ hasText: 'cloud kms' }).textContent()).toContain('external');
    await ui.screenshot('inventory');
    await expectClean();
    await page.evaluate(
      () =>
        ((globalThis as unknown as PageGlobals).document.documentElement.dataset.theme = 'dark'),
    );
    await ui.screenshot('inventory-dark');
    await expectClean();
    await page.evaluate(
      () =>
        ((globalThis as unknown as PageGlobals).document.documentElement.dataset.theme = 'light'),
    );
  });

  it('sorts by a column header, with aria-sort saying which way', async () => {
    const { page } = ui;
    const owner = page.getByRole('columnheader', { name: 'Owner' });
    await owner.getByRole('button').click();
    expect(await owner.getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe(
      'none',
    );
    const ownerOfFirst = () => bodyRows().first().getByRole('gridcell').nth(2).textContent();
    await expect.poll(ownerOfFirst).toBe('Ada Novak');
    await owner.getByRole('button').click();
    expect(await owner.getAttribute('aria-sort')).toBe('descending');
    const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
    await expect
      .poll(ownerOfFirst)
      .toBe(['Ada Novak', 'Chen Wei', 'Dana Levi', ME].sort(byName.compare).at(-1));
    const period = page.getByRole('columnheader', { name: 'Crypto-period left' });
    await period.getByRole('button').click();
    expect(await period.getAttribute('aria-sort')).toBe('ascending');
    await expect
      .poll(async () => (await names()).slice(0, 2))
      .toEqual(['ci-runner ssh', 'ledger signing']);
    await ui.screenshot('inventory-sorted-by-period');
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await expect.poll(async () => (await names())[0]).toBe('backup kek');
  });

  it('filters by state, tier, owner, purpose, environment, location and due date', async () => {
    const { page } = ui;
    const cases: Array<[string, string, string[]]> = [
      ['State', 'suspended', ['partner sftp']],
      ['Tier', '2 — high', ['backup kek', 'payments data']],
      ['Purpose', 'wrap', ['backup kek']],
      ['Location', `token ${VAULT_SERIAL}`, ['hsm root ca']],
      ['Location', 'external', ['cloud kms data key']],
      [
        'Environment',
        'staging',
        [
          'payments data',
          'service-01 data key',
          'service-04 data key',
          'service-07 data key',
          'service-10 data key',
          'service-13 data key',
        ],
      ],
      [
        'Owner',
        ME,
        ['reports mac', 'service-03 data key', 'service-07 data key', 'service-11 data key'],
      ],
    ];
    for (const [label, option, expected] of cases) {
      await choose(label, option);
      await expectCount(`${expected.length} of 26 keys`);
      expect(await names(), `${label} ${option}`).toEqual(expected);
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expectCount('26 keys');
    }
    await choose('State', 'active');
    await choose('Owner', 'Dana Levi');
    await expectCount('7 of 26 keys');
    await ui.screenshot('inventory-filtered');
    await expectClean();
    await page.getByRole('button', { name: 'Clear filters' }).click();

    const days = page.getByLabel('Due within (days)');
    await days.fill('30');
    await days.press('Enter');
    await expectCount('2 of 26 keys');
    expect(await names()).toEqual(['ci-runner ssh', 'ledger signing']);
    await days.fill('');
    await days.press('Enter');
    await expectCount('26 keys');
    await choose('State', 'destroyed');
    await page.getByText('No key matches these filters.').waitFor();
    await ui.screenshot('inventory-no-match');
    await expectClean();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expectCount('26 keys');
  });

  it('searches names, ids, owners and labels', async () => {
    const { page } = ui;
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('pci');
    await expectCount('2 of 26 keys');
    expect(await names()).toEqual(['billing signing', 'payments data']);
    await search.fill('chen');
    await expectCount('7 of 26 keys');
    const vpn = seeded.find((key) => key.name === 'vpn ecdh');
    await search.fill(vpn?.id.slice(2, 12) ?? 'none');
    await expectCount('1 of 26 keys');
    expect(await names()).toEqual(['vpn ecdh']);
    await search.fill('service-07');
    await expectCount('1 of 26 keys');
    await ui.screenshot('inventory-search');
    await search.press('Escape');
    await expectCount('26 keys');
  });

  it('saves a view and recalls it, after a reload too', async () => {
    const { page } = ui;
    await choose('State', 'active');
    await choose('Owner', 'Ada Novak');
    await page.getByRole('columnheader', { name: 'Tier' }).getByRole('button').click();
    await expectCount('6 of 26 keys');
    expect(await page.getByRole('button', { name: /View$/ }).textContent()).toContain(
      'Unsaved view',
    );
    await page.getByRole('button', { name: 'Save view…' }).click();
    await page.getByLabel('View name').fill('Ada, active');
    await ui.screenshot('inventory-save-view');
    await expectClean();
    await page.getByRole('button', { name: 'Save view', exact: true }).click();
    expect(await page.getByRole('button', { name: /View$/ }).textContent()).toContain(
      'Ada, active',
    );

    await page.reload();
    await grid().waitFor();
    await expectCount('26 keys');
    await choose('View', 'Ada, active');
    await expectCount('6 of 26 keys');
    expect(await names()).toEqual([
      'hsm root ca',
      'backup kek',
      'billing signing',
      'service-04 data key',
      'service-08 data key',
      'service-12 data key',
    ]);
    expect(await page.getByRole('columnheader', { name: 'Tier' }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
    await choose('View', 'All keys');
    await expectCount('26 keys');
    await choose('View', 'Ada, active');
    await page.getByRole('button', { name: 'Delete view' }).click();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await page.getByRole('button', { name: /View$/ }).click();
    expect(await page.getByRole('option').allTextContents()).toEqual(['All keys']);
    await page.keyboard.press('Escape');
  });

  it('moves through the rows with the keyboard and opens one with Enter', async () => {
    const { page } = ui;
    await expectCount('26 keys');
    await expect.poll(async () => (await names())[0]).toBe('backup kek');
    // The row is one Tab stop after the last column header.
    await page.getByRole('button', { name: 'Crypto-period left' }).focus();
    await page.keyboard.press('Tab');
    expect(await activeRowIndex()).toBe('2');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await activeRowIndex()).toBe('4');
    await page.keyboard.press('End');
    expect(await activeRowIndex()).toBe('27');
    await page.keyboard.press('ArrowDown');
    expect(await activeRowIndex()).toBe('27');
    await page.keyboard.press('Home');
    expect(await activeRowIndex()).toBe('2');
    await page.keyboard.press('PageDown');
    expect(Number(await activeRowIndex())).toBeGreaterThan(4);
    await page.keyboard.press('PageUp');
    expect(await activeRowIndex()).toBe('2');
    await page.keyboard.press('ArrowDown');
    await ui.screenshot('inventory-keyboard');
    const href = await page.evaluate(
      () =>
        (globalThis as unknown as PageGlobals).document.activeElement
          ?.querySelector('a')
          ?.getAttribute('href') ?? '',
    );
    const second = seeded.find((key) => key.name === 'billing signing');
    expect(href).toBe(`#/keys/${second?.id}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (to) => (globalThis as unknown as PageGlobals).location.hash === to,
      href,
    );
    await page.goBack();
    await grid().waitFor();
  });

  it('opens a key with a click on its row', async () => {
    const { page } = ui;
    await page.getByRole('searchbox', { name: 'Search' }).fill('vpn');
    await expectCount('1 of 26 keys');
    await bodyRows().first().getByRole('gridcell', { name: 'active' }).click();
    const vpn = seeded.find((key) => key.name === 'vpn ecdh');
    await page.waitForFunction(
      (to) => (globalThis as unknown as PageGlobals).location.hash === to,
      `#/keys/${vpn?.id}`,
    );
    await page.goBack();
    await grid().waitFor();
  });

  it('generates a new key in the vault, which then shows in the table', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'New key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New key' });
    await dialog.waitFor();
    await ui.screenshot('inventory-new-key');
    await expectClean();
    await dialog.getByLabel('Name', { exact: true }).fill('release signing');
    await choose('Algorithm', 'ECDSA P-384', dialog);
    await choose('Owner', 'Dana Levi', dialog);
    await dialog.getByLabel('Labels').fill('release, service:ci');
    await dialog.getByRole('button', { name: 'Generate key' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Key release signing generated in the vault.', { exact: false }).waitFor();
    await expectCount('27 keys');
    const row = bodyRows().filter({ hasText: 'release signing' });
    expect(await row.getByRole('gridcell').allTextContents()).toEqual([
      'release signing',
      'p384',
      'Dana Levi',
      'active',
      '3',
      'vault',
      '3 years',
    ]);
    await ui.screenshot('inventory-created');
    await expectClean();
  });

  it('generates a key on a SoftHSM2 token, after telling a wrong PIN in words', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'New key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New key' });
    await dialog.getByLabel('Name', { exact: true }).fill('root signing on token');
    await dialog.getByText('on a token', { exact: true }).click();
    expect(await dialog.getByRole('radio', { name: 'on a token' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('button', { name: / Token$/ }).textContent()).toContain(
      token.serial,
    );
    await choose('Owner', 'Ada Novak', dialog);
    await choose('Tier', '1 — catastrophic', dialog);
    await dialog.locator('label', { hasText: /^Chen Wei$/ }).click();
    expect(await dialog.getByRole('checkbox', { name: 'Chen Wei' }).isChecked()).toBe(true);
    await dialog.getByLabel('Token PIN').fill('0000');
    await dialog.getByRole('button', { name: 'Generate key' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('PIN_INCORRECT');
    expect(await dialog.getByLabel('Token PIN').inputValue()).toBe('');
    await ui.screenshot('inventory-new-key-token-wrong-pin');
    await expectClean();
    await dialog.getByLabel('Token PIN').fill(token.pin);
    await dialog.getByRole('button', { name: 'Generate key' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByText(`generated on token ${token.serial}`, { exact: false }).waitFor();
    await expectCount('28 keys');
    await choose('Location', `token ${token.serial}`);
    await expectCount('1 of 28 keys');
    const row = bodyRows().first();
    expect(await row.getByRole('gridcell').allTextContents()).toEqual([
      'root signing on token',
      'p256',
      'Ada Novak',
      'active',
      '1',
      `token ${token.serial}`,
      '3 years',
    ]);
    await ui.screenshot('inventory-token-key');
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('says what to do when the vault has no keys yet', async () => {
    const { page } = ui;
    const empty = dir.file('empty.kw');
    await page.evaluate(
      (vaultPath) => (globalThis as unknown as PageGlobals).keywarden.settings.set({ vaultPath }),
      empty,
    );
    await page.getByRole('button', { name: 'Lock vault' }).click();
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    await createVaultInUi(page, TEST_PASSPHRASE);
    await page.getByRole('heading', { name: 'No keys yet' }).waitFor();
    await ui.screenshot('inventory-empty');
    await expectClean();
    await page.getByRole('button', { name: 'New key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New key' });
    await dialog.getByText('there is nobody in it yet', { exact: false }).waitFor();
    await ui.screenshot('inventory-new-key-no-people');
    await expectClean();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
