import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from '../../../electron/core/inventory/crypto-periods.ts';
import { KeywardenServices } from '../../../electron/services/services.ts';
import { realDeps } from '../../../electron/services/runtime.ts';
import type { KeyView, PolicyTable } from '../../../electron/shared/inventory-types.ts';
import { callInPage, openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The crypto-periods screen in Chromium against a real vault. Keys that are overdue or due
// soon need a past: the contract takes no dates, so the vault is first built by the same
// services in this process with a clock set back (each key generated on the day that makes
// it due when wanted), then opened in the app. There the counts, the grouped rows, the
// chart's labels and its table are checked against those keys; a policy edit is saved and a
// key activated after it is shown due by the new period; an invalid edit is refused on its
// row; and a reset, after its confirmation, restores the NIST table.

const PASSPHRASE = 'correct horse battery staple';
const ME = userInfo().username;
const DAY = 86_400_000;
/** Carol's host keys: more than the 20 rows a group of the due table shows at first. */
const FLEET = 22;

let dir: TempDir;
let ui: UiSession;
/** The seeded keys by name, as the vault holds them. */
const keys = new Map<string, KeyView>();

/** Minus `months` calendar months from today, plus `days` days: a key born then. */
const bornAgo = (months: number, days = 0) =>
  new Date(addMonths(new Date(), -months).getTime() + days * DAY);

/** Builds the vault with keys generated in the past, through the services and a set-back clock. */
async function seedPast(path: string): Promise<void> {
  let clock = bornAgo(40);
  const services = new KeywardenServices({
    deps: { ...realDeps(), now: () => clock },
    actor: ME,
    settingsPath: dir.file('seed-settings.json'),
  });
  const bytes = () => new TextEncoder().encode(PASSPHRASE);
  try {
    await services.invoke('vault:init', {
      path,
      passphrase: bytes(),
      kdf: { memoryMiB: 19, iterations: 2, parallelism: 1 },
    });
    await services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: bytes() },
    });
    await services.invoke('people:add', { name: ME, roles: ['officer'] });
    await services.invoke('people:add', { name: 'Alice Martin', roles: ['engineer', 'custodian'] });
    await services.invoke('people:add', { name: 'Bob Okafor', roles: ['engineer', 'custodian'] });
    await services.invoke('people:add', { name: 'Carol Ng', roles: ['engineer'] });
    const past: Array<[Date, Record<string, unknown>]> = [
      // Private signature key, 36 months: overdue by about a month.
      [
        bornAgo(37),
        {
          name: 'Release signing 2023',
          algorithm: 'ed25519',
          purposes: ['sign'],
          owner: 'Alice Martin',
          tier: 3,
        },
      ],
      // Symmetric master key, 12 months: overdue by about 5 days.
      [
        bornAgo(12, -5),
        {
          name: 'Token master',
          algorithm: 'aes256',
          purposes: ['derive'],
          owner: 'Bob Okafor',
          tier: 2,
          custodians: ['Alice Martin'],
        },
      ],
      // Due in about 10 days.
      [
        bornAgo(12, 10),
        {
          name: 'Backup master',
          algorithm: 'aes256',
          purposes: ['derive'],
          owner: 'Bob Okafor',
          tier: 2,
          custodians: ['Alice Martin'],
        },
      ],
      // Symmetric data-encryption key, 24 months: due in about 60 days.
      [
        bornAgo(24, 60),
        {
          name: 'Disk encryption',
          algorithm: 'aes256',
          purposes: ['encrypt', 'decrypt'],
          owner: 'Alice Martin',
          tier: 4,
        },
      ],
      // Private authentication key, 24 months: due in about 200 days.
      [
        bornAgo(24, 200),
        {
          name: 'Deploy SSH',
          algorithm: 'ed25519',
          purposes: ['ssh-auth'],
          owner: 'Bob Okafor',
          tier: 3,
        },
      ],
      // A fleet of host keys, more than a group shows at first: due in about 150 days.
      ...Array.from({ length: FLEET }, (_, i): [Date, Record<string, unknown>] => [
        bornAgo(24, 150),
        {
          name: `Fleet host ${String(i + 1).padStart(2, '0')}`,
          algorithm: 'ed25519',
          purposes: ['ssh-auth'],
          owner: 'Carol Ng',
          tier: 4,
        },
      ]),
    ];
    for (const [born, request] of past) {
      clock = born;
      const key = await services.invoke('keys:generate', request as never);
      keys.set(key.name, key);
    }
    await services.invoke('vault:lock', {});
  } finally {
    await services.dispose();
  }
}

/** A service call from the page, as the app makes it; throws with the error's code. */
const call = callInPage;

async function checkScreen(name: string): Promise<void> {
  await ui.screenshot(name);
  expect(await ui.seriousViolations()).toEqual([]);
}

const figure = (id: string) => ui.page.getByTestId(`count-${id}`).textContent();

/** The key names under one group heading of the due table. */
async function groupRows(title: RegExp): Promise<string[]> {
  const group = ui.page
    .getByRole('rowgroup')
    .filter({ has: ui.page.getByRole('rowheader', { name: title }) });
  return group.getByRole('link').allTextContents();
}

async function openTab(name: 'Due keys' | 'Policy table'): Promise<void> {
  await ui.page.getByRole('tab', { name }).click();
  await ui.page
    .getByRole('heading', {
      level: 2,
      name: name === 'Due keys' ? 'Due and overdue' : 'The crypto-period policy',
    })
    .waitFor();
}

const monthsField = (title: string) =>
  ui.page.getByLabel(`Originator usage of ${title}, in months`, { exact: true });

/** Switches the app's theme as the Theme button does, for a screenshot and axe in both. */
const setTheme = (theme: 'light' | 'dark') =>
  ui.page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);

beforeAll(async () => {
  dir = tempDir('keywarden-ui-periods-');
  const vault = dir.file('vault.kw');
  await seedPast(vault);
  ui = await openUi({ vault });
  await unlockInUi(ui.page, PASSPHRASE);
  // Tall enough that a screenshot holds the whole screen (the screen scrolls inside itself).
  await ui.page.setViewportSize({ width: 1280, height: 1900 });
  // Keys of today, through the page: one not due for years, one awaiting activation.
  for (const request of [
    { name: 'Fresh signing', algorithm: 'ed25519', purposes: ['sign'], owner: ME, tier: 3 },
    {
      name: 'Release signing 2027',
      algorithm: 'ed25519',
      purposes: ['sign'],
      owner: 'Alice Martin',
      tier: 3,
      preActivation: true,
    },
  ]) {
    const key = await call<KeyView>(ui.page, 'keys', 'generate', request);
    keys.set(key.name, key);
  }
}, 90_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

describe('the crypto-periods dashboard', { timeout: 120_000 }, () => {
  it('counts the overdue keys and those due within 30 and 90 days', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Crypto-periods' }).click();
    await page.getByRole('heading', { level: 1, name: 'Crypto-periods' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Due and overdue' }).waitFor();
    expect(await figure('overdue')).toBe('2');
    expect(await figure('within30')).toBe('1');
    expect(await figure('within90')).toBe('2');
    await checkScreen('periods-dashboard');
  });

  it('groups the due keys by owner and by tier, each linking to its key', async () => {
    const { page } = ui;
    expect(await groupRows(/^Alice Martin/)).toEqual(['Release signing 2023', 'Disk encryption']);
    expect(await groupRows(/^Bob Okafor/)).toEqual(['Token master', 'Backup master']);
    const overdue = page.getByRole('row').filter({ hasText: 'Token master' });
    expect(await overdue.textContent()).toMatch(/Overdue by [4-7] days/);
    const id = keys.get('Disk encryption')?.id ?? '';
    expect(await page.getByRole('link', { name: 'Disk encryption' }).getAttribute('href')).toBe(
      `#/keys/${id}`,
    );
    expect(
      await page
        .locator(`time[datetime="${keys.get('Disk encryption')?.cryptoPeriod.originatorUsageEnd}"]`)
        .count(),
    ).toBe(1);

    await page.getByRole('radio', { name: 'Tier' }).click();
    expect(await groupRows(/^Tier 2/)).toEqual(['Token master', 'Backup master']);
    expect(await groupRows(/^Tier 3/)).toEqual(['Release signing 2023']);
    expect(await groupRows(/^Tier 4/)).toEqual(['Disk encryption']);
    await page.getByRole('radio', { name: '12 months' }).click();
    expect(await groupRows(/^Tier 3/)).toEqual(['Release signing 2023', 'Deploy SSH']);
    await page.getByRole('radio', { name: 'Owner' }).click();
    expect(await groupRows(/^Carol Ng/)).toHaveLength(20);
    await checkScreen('periods-12-months-by-owner');
    await page.getByRole('button', { name: `Show all ${FLEET} keys of Carol Ng` }).click();
    expect(await groupRows(/^Carol Ng/)).toHaveLength(FLEET);
    await page.getByRole('radio', { name: 'Tier' }).click();
    await page.getByRole('radio', { name: '30 days' }).click();
    expect(await groupRows(/^Tier 2/)).toEqual(['Token master', 'Backup master']);
    expect(await page.getByRole('rowheader', { name: /^Tier 4/ }).count()).toBe(0);
    await checkScreen('periods-by-tier');

    await page.getByRole('link', { name: 'Token master' }).click();
    await page.waitForURL(`**/#/keys/${keys.get('Token master')?.id}`);
    await page.goBack();
    await page.getByRole('heading', { level: 2, name: 'Due and overdue' }).waitFor();
  });

  it('charts the keys whose originator usage ends in each of the next 12 months, with a table', async () => {
    const { page } = ui;
    const chart = page.getByRole('img', { name: /^Bar chart by month/ });
    await chart.waitFor();
    // The axis: this month and the 11 after it, as the page's own locale names them.
    const expectedLabels = await page.evaluate(() => {
      const now = new Date();
      const format = new Intl.DateTimeFormat(undefined, { month: 'short' });
      return Array.from({ length: 12 }, (_, i) =>
        format.format(new Date(now.getFullYear(), now.getMonth() + i, 1)),
      );
    });
    expect(await chart.locator('.due-chart-label').allTextContents()).toEqual(expectedLabels);
    // Backup master, Disk encryption, Deploy SSH and the fleet end in the months they were made to.
    const fleet = [...keys.keys()].filter((name) => name.startsWith('Fleet host'));
    const ending = ['Backup master', 'Disk encryption', 'Deploy SSH', ...fleet].map((name) => ({
      name,
      end: keys.get(name)?.cryptoPeriod.originatorUsageEnd ?? '',
    }));
    const monthIndex = await page.evaluate(
      (ends) =>
        ends.map((iso) => {
          const now = new Date();
          const end = new Date(iso);
          return (end.getFullYear() - now.getFullYear()) * 12 + end.getMonth() - now.getMonth();
        }),
      ending.map((e) => e.end),
    );
    const counts = Array.from({ length: 12 }, (_, i) =>
      String(monthIndex.filter((m) => m === i).length),
    );
    expect(await chart.locator('.due-chart-value').allTextContents()).toEqual(counts);
    expect(await chart.getAttribute('aria-label')).toContain(`${3 + FLEET} keys reach the end`);
    expect(await chart.getAttribute('aria-label')).toContain(`the most, ${FLEET}, in`);

    await page.getByRole('button', { name: 'The figures as a table' }).click();
    const table = page.getByRole('table', { name: /originator usage period ends, by month/ });
    await table.waitFor();
    for (const { name, end } of ending) {
      const month = await page.evaluate(
        (iso) =>
          new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(
            new Date(iso),
          ),
        end,
      );
      const row = table
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: month }) });
      // A month of many keys names the first five (by name) and counts the rest.
      const fleetIndex = fleet.indexOf(name);
      expect(await row.textContent()).toContain(
        fleetIndex < 0 ? name : fleetIndex < 5 ? name : `and ${FLEET - 5} more`,
      );
    }
    expect(await table.getByRole('row').count()).toBe(13);
    await checkScreen('periods-chart-table');
    await setTheme('dark');
    await checkScreen('periods-dashboard-dark');
    await setTheme('light');
  });
});

describe('the policy editor', { timeout: 120_000 }, () => {
  it('shows the table with its source and note, within the schema limits', async () => {
    await openTab('Policy table');
    const { page } = ui;
    const source = page.locator('p', { hasText: /^Source:/ });
    expect(await source.textContent()).toContain('NIST SP 800-57 Part 1 Rev. 5');
    expect(await page.getByText(/Each vault keeps its own copy/).isVisible()).toBe(true);
    expect(await monthsField('Private signature key').inputValue()).toBe('36');
    expect(await monthsField('Public signature-verification key').inputValue()).toBe('');
    expect(await page.getByRole('button', { name: 'Save the policy' }).isDisabled()).toBe(true);
    await checkScreen('periods-policy');
    // Beyond the schema's 600 months: refused on the field, not adjusted, and not savable.
    const field = monthsField('Private signature key');
    await field.fill('900');
    await field.press('Tab');
    expect(await field.inputValue()).toBe('900');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('1 to 600 whole months, or empty.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save the policy' }).isDisabled()).toBe(true);
    await checkScreen('periods-policy-out-of-limits');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(await field.inputValue()).toBe('36');
    await setTheme('dark');
    await checkScreen('periods-policy-dark');
    await setTheme('light');
  });

  it('saves an edit, and a key activated after it is shown due by the new period', async () => {
    const { page } = ui;
    // Before: the signing key awaiting activation is not due within 12 months.
    const field = monthsField('Private signature key');
    await field.fill('2');
    await field.press('Tab');
    expect(await page.getByText('1 row edited, not saved.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: 1 row changed' }).waitFor();
    await checkScreen('periods-policy-saved');
    const saved = await call<PolicyTable>(page, 'policy', 'show', {});
    expect(saved.rows.find((row) => row.id === 'private-signature')?.originatorMonths).toBe(2);

    const pending = keys.get('Release signing 2027');
    expect(Date.parse(pending?.cryptoPeriod.originatorUsageEnd ?? '')).toBeGreaterThan(
      Date.now() + 700 * DAY,
    );
    const active = await call<KeyView>(page, 'keys', 'transition', {
      id: pending?.id,
      to: 'active',
      reason: 'Release key goes live',
    });
    const due = active.cryptoPeriod.originatorUsageEnd ?? '';
    expect(Date.parse(due) - Date.now()).toBeLessThan(63 * DAY);

    await openTab('Due keys');
    expect(await figure('within90')).toBe('3');
    const row = page.getByRole('row').filter({ hasText: 'Release signing 2027' });
    expect(await row.locator(`time[datetime="${due}"]`).count()).toBe(1);
    expect(await row.textContent()).toMatch(/Due in \d+ days/);
    await checkScreen('periods-after-edit');
  });

  it('refuses an invalid table with POLICY_INVALID, on the row at fault', async () => {
    await openTab('Policy table');
    const { page } = ui;
    // No originator use and no recipient period: the schema's refinement refuses it.
    const field = monthsField('Private authentication key');
    await field.fill('');
    await field.press('Tab');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('POLICY_INVALID');
    expect(await alert.textContent()).toContain('needs a recipient period');
    expect(
      await page.getByText(/The row in question is “Private authentication key”/).isVisible(),
    ).toBe(true);
    await checkScreen('periods-policy-invalid');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(await field.inputValue()).toBe('24');
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('resets to the NIST defaults after a confirmation', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Reset to NIST defaults…' }).click();
    const dialog = page.getByRole('alertdialog', {
      name: 'Reset the policy to the NIST defaults?',
    });
    await dialog.waitFor();
    await checkScreen('periods-policy-reset-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await monthsField('Private signature key').inputValue()).toBe('2');

    await page.getByRole('button', { name: 'Reset to NIST defaults…' }).click();
    await dialog.getByRole('button', { name: 'Reset to defaults' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Restored the NIST SP 800-57 defaults' })
      .waitFor();
    expect(await monthsField('Private signature key').inputValue()).toBe('36');
    const restored = await call<PolicyTable>(page, 'policy', 'show', {});
    expect(restored.rows.find((row) => row.id === 'private-signature')?.originatorMonths).toBe(36);
    // A key made now gets the restored 36 months again.
    const fresh = await call<KeyView>(page, 'keys', 'generate', {
      name: 'After the reset',
      algorithm: 'ed25519',
      purposes: ['sign'],
      owner: ME,
    });
    expect(fresh.cryptoPeriod.originatorUsageEnd).toBe(
      addMonths(new Date(fresh.createdAt), 36).toISOString(),
    );
    await checkScreen('periods-policy-reset');
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
