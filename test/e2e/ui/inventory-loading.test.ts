import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeySummaryPage } from '../../../electron/shared/key-summary-types.ts';
import { OFFICER, PEOPLE } from '../../bench/inventory-load.ts';
import { seedUiInventory } from '../../bench/ui-inventory-seed.ts';
import { gateChannels, later } from '../../helpers/channel-gate.ts';
import type { ChannelGate } from '../../helpers/channel-gate.ts';
import { registerPeople } from '../../helpers/inventory-fixture.ts';
import { callInPage, openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { makeVault, tempDir, TEST_PASSPHRASE, unlockVault } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The inventory loading a vault of more keys than its first page, in Chromium over a real
// vault: the service's read of the keys shown as a determinate bar, the first page's rows
// shown while the rest are held back, the bar and the count line saying how many have come,
// and a key added between two pages (as the CLI might, on the same file) making the load
// start over, so the table ends with every key once. The test holds keys:list-summaries
// traffic between the page and the bridge; everything else passes at once.

const KEYS = 1_234;
const ME = userInfo().username;
let dir: TempDir;
let ui: UiSession;

/**
 * Holds keys:list-summaries calls by the offset they ask from (React's development mode makes
 * the screen's first call twice, so calls are told apart by what they ask, not by count).
 */
let gate: ChannelGate<{ offset?: number }> = {};

const grid = () => ui.page.getByRole('grid', { name: 'Keys' });
const bar = () => ui.page.getByRole('progressbar', { name: /^Loading the inventory/ });
const expectCount = (text: string) => ui.page.getByText(text, { exact: true }).waitFor();

/** The name in the first body row of the grid. */
const firstName = () =>
  grid().getByRole('rowgroup').nth(1).getByRole('row').first().getByRole('link').textContent();

async function expectClean(): Promise<void> {
  expect(await ui.seriousViolations()).toEqual([]);
}

beforeAll(async () => {
  dir = tempDir('keywarden-ui-inventory-loading-');
  const path = dir.file('vault.kw');
  await makeVault(path);
  const vault = await unlockVault(path);
  try {
    // The bridge acts as the user running it, who adds a key below.
    registerPeople(vault, [...PEOPLE, [ME, ['officer', 'engineer']]]);
    await seedUiInventory(vault, KEYS, new Date(), () => {});
  } finally {
    vault.lock(OFFICER);
  }
  ui = await openUi({ vault: path });
  await gateChannels(ui.page, ['keys:list-summaries'], () => gate);
  // The page opened before the route: loaded again, its socket goes through the gate.
  await ui.page.reload();
}, 120_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

describe('loading the inventory', () => {
  it('shows the first rows while the rest arrive, and how far the load has got', async () => {
    const { page } = ui;
    const firstPage = later();
    const rest = later();
    gate = { reply: ({ offset = 0 }) => (offset === 0 ? firstPage.promise : rest.promise) };
    await unlockInUi(page, TEST_PASSPHRASE);
    // The service's read of every entry, reported as it goes: the bar fills before a reply.
    await expect.poll(() => bar().getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
    await page
      .getByRole('progressbar', { name: "Loading the inventory… reading the vault's keys" })
      .waitFor();
    await ui.screenshot('inventory-reading');
    await expectClean();

    firstPage.release();
    await expectCount('500 keys so far');
    const arriving = page.getByRole('progressbar', {
      name: `Loading the inventory… 500 of ${KEYS.toLocaleString('en')} keys`,
    });
    expect(Number(await arriving.getAttribute('aria-valuenow'))).toBeCloseTo((500 / KEYS) * 100, 3);
    expect(await grid().getAttribute('aria-rowcount')).toBe('501');
    const shownFirst = await firstName();
    await ui.screenshot('inventory-arriving');
    await expectClean();

    rest.release();
    await expectCount(`${KEYS.toLocaleString('en')} keys`);
    const service = await callInPage<KeySummaryPage>(page, 'keys', 'listSummaries', {});
    expect(service.total).toBe(KEYS);
    expect(shownFirst).toBe(service.keys[0]?.name);
    expect(await bar().count()).toBe(0);
    expect(await grid().getAttribute('aria-rowcount')).toBe(String(KEYS + 1));
    // The last row by name is the service's last key: the pages joined up in order.
    await grid().getByRole('rowgroup').nth(1).getByRole('row').first().focus();
    await page.keyboard.press('End');
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (
              globalThis as unknown as {
                document: {
                  activeElement: {
                    querySelector(s: string): { textContent: string } | null;
                  } | null;
                };
              }
            ).document.activeElement?.querySelector('a')?.textContent,
        ),
      )
      .toBe(service.keys.at(-1)?.name);
  });

  it('starts over when the keys change between two pages, and ends with each key once', async () => {
    const { page } = ui;
    const secondPage = later();
    gate = { request: ({ offset = 0 }) => (offset > 0 ? secondPage.promise : Promise.resolve()) };
    await page.reload();
    // Unchanged since the last load, the vault's keys come from the service's kept read at once.
    await expectCount('500 keys so far');
    await callInPage(page, 'keys', 'generate', {
      name: 'added while the inventory loads',
      algorithm: 'ed25519',
      purposes: ['sign', 'verify'],
      owner: OFFICER,
    });
    secondPage.release();
    const all = KEYS + 1;
    await expectCount(`${all.toLocaleString('en')} keys`);
    expect(await grid().getAttribute('aria-rowcount')).toBe(String(all + 1));
    await page.getByRole('searchbox', { name: 'Search' }).fill('added while the inventory');
    await expectCount(`1 of ${all.toLocaleString('en')} keys`);
    await page.getByRole('searchbox', { name: 'Search' }).press('Escape');
    gate = {};
  });
});
