import { userInfo } from 'node:os';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../../electron/services/services.ts';
import { realDeps } from '../../../electron/services/runtime.ts';
import type { KeywardenApi } from '../../../electron/shared/api.ts';
import type { KeyView } from '../../../electron/shared/inventory-types.ts';
import type { AuditEntry } from '../../../electron/shared/vault-types.ts';
import { callInPage, openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The audit screen in Chromium against a real vault. The vault is made by another account
// (the same services in this process, acting as "dana"), so the log has two actors; the app
// then acts as this OS user through window.keywarden: people, keys, a suspension, a refused
// policy, sixty signatures. The log shows it all newest first, each filter narrows it to what
// the service's own list says, an entry's detail and hash are those stored, pages and new
// entries work, verification says intact — and, after an entry is edited in the file behind
// the app's back, says where the chain breaks and why.

const PASSPHRASE = 'correct horse battery staple';
const ME = userInfo().username;
const OTHER = 'dana';
const SIGNATURES = 60;
/** Entries on a page of the log (AuditLog.tsx PAGE_SIZE). */
const PAGE = 25;

let dir: TempDir;
let vaultPath: string;
let ui: UiSession;
let signingKey: KeyView;
let dataKey: KeyView;

/** Creates the vault as another account would: its entries carry that actor. */
async function seedAsOther(path: string): Promise<void> {
  const services = new KeywardenServices({
    deps: realDeps(),
    actor: OTHER,
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
    await services.invoke('people:add', { name: OTHER, roles: ['officer'] });
    await services.invoke('people:add', { name: ME, roles: ['officer'] });
    await services.invoke('vault:lock', {});
  } finally {
    await services.dispose();
  }
}

/** A service call from the page, as the app makes it; throws with the error's code. */
const call = callInPage;

/** The whole log, as the service lists it. */
const auditLog = () => call<AuditEntry[]>(ui.page, 'audit', 'list', {});

async function checkScreen(name: string): Promise<void> {
  await ui.screenshot(name);
  expect(await ui.seriousViolations()).toEqual([]);
}

const setTheme = (theme: 'light' | 'dark') =>
  ui.page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);

const countText = () => ui.page.getByTestId('audit-count').textContent();
/** The log's rows (header row excluded). */
const logRows = () =>
  ui.page
    .getByRole('grid', { name: 'Audit entries, newest first' })
    .getByRole('row')
    .filter({
      hasNot: ui.page.getByRole('columnheader'),
    });
/** The sequence numbers of the rows on the page shown. */
const shownSeqs = async () =>
  (await logRows().getByRole('rowheader').allTextContents()).map(Number);

async function choose(label: string, option: string): Promise<void> {
  const { page } = ui;
  await page.getByRole('button', { name: new RegExp(`${label}$`) }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Types a day into one of the date fields, its segments in the order the locale shows them. */
async function typeDay(label: 'From' | 'To', day: Date): Promise<void> {
  const field = ui.page.getByRole('group', { name: label, exact: true });
  const parts: Record<string, string> = {
    month: String(day.getMonth() + 1).padStart(2, '0'),
    day: String(day.getDate()).padStart(2, '0'),
    year: String(day.getFullYear()),
  };
  const segments = field.getByRole('spinbutton');
  const order = await Promise.all(
    (await segments.all()).map((segment) => segment.getAttribute('data-type')),
  );
  // Each segment, once full, moves the focus on to the next.
  await segments.first().click();
  await ui.page.keyboard.type(order.map((type) => parts[type ?? ''] ?? '').join(''));
}

/** Types an action prefix, then leaves the field (closing its suggestions) as a person would. */
async function filterAction(prefix: string): Promise<void> {
  await ui.page.getByRole('combobox', { name: 'Action starts with' }).fill(prefix);
  await ui.page.keyboard.press('Tab');
}

async function clearFilters(total: number): Promise<void> {
  await ui.page.getByRole('button', { name: 'Clear filters' }).click();
  expect(await countText()).toBe(`${total} entries`);
}

beforeAll(async () => {
  dir = tempDir('keywarden-ui-audit-');
  vaultPath = dir.file('vault.kw');
  await seedAsOther(vaultPath);
  ui = await openUi({ vault: vaultPath });
  await unlockInUi(ui.page, PASSPHRASE);
  await ui.page.setViewportSize({ width: 1280, height: 1700 });
}, 90_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

describe('the crypto-periods screen of a vault with no keys', () => {
  it('says nothing is due and where keys come from', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Crypto-periods' }).click();
    const note = page.getByText('The inventory has no keys yet, so nothing is due.');
    await note.waitFor();
    expect(await page.getByRole('link', { name: 'Keys', exact: true }).count()).toBe(2);
    await checkScreen('periods-empty');
  });
});

describe('the audit screen', { timeout: 120_000 }, () => {
  it('shows what was done through the API, newest first', async () => {
    const { page } = ui;
    await call(page, 'people', 'add', { name: 'Alice Martin', roles: ['engineer'] });
    signingKey = await call<KeyView>(page, 'keys', 'generate', {
      name: 'Audit signing',
      algorithm: 'ed25519',
      purposes: ['sign'],
      owner: ME,
    });
    dataKey = await call<KeyView>(page, 'keys', 'generate', {
      name: 'Audit data key',
      algorithm: 'aes256',
      purposes: ['encrypt', 'decrypt'],
      owner: 'Alice Martin',
    });
    await call(page, 'keys', 'transition', {
      id: dataKey.id,
      to: 'suspended',
      reason: 'Quarterly review',
    });
    // Refused, and logged as a failure.
    await expect(call(page, 'policy', 'set', { table: { source: 'x', rows: [] } })).rejects.toThrow(
      'POLICY_INVALID',
    );
    await page.evaluate(
      async ({ id, n }) => {
        const api = (globalThis as unknown as { keywarden: KeywardenApi }).keywarden;
        for (let i = 0; i < n; i += 1) {
          const reply = await api.keys.sign({ id, data: new TextEncoder().encode(`message ${i}`) });
          if (!reply.ok) throw new Error(reply.error.code);
        }
      },
      { id: signingKey.id, n: SIGNATURES },
    );
    const log = await auditLog();

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page
      .getByTestId('audit-count')
      .filter({ hasText: `${log.length} entries` })
      .waitFor();
    expect(await page.getByTestId('chain-badge').textContent()).toBe('Not verified yet');
    const newest = [...log]
      .reverse()
      .slice(0, PAGE)
      .map((entry) => entry.seq);
    expect(await shownSeqs()).toEqual(newest);
    expect(await logRows().first().textContent()).toContain('key.sign');
    const actions = new Set(log.map((entry) => entry.action));
    for (const action of [
      'vault.init',
      'person.add',
      'key.generate',
      'key.transition',
      'policy.set',
      'key.sign',
    ])
      expect(actions).toContain(action);
    await checkScreen('audit-log');
  });

  it('narrows the log by action, outcome, actor, words and dates', async () => {
    const { page } = ui;
    const log = await auditLog();
    const total = log.length;

    const action = page.getByRole('combobox', { name: 'Action starts with' });
    await filterAction('key.transition');
    expect(await countText()).toBe(`1 of ${total} entries match`);
    expect(await logRows().first().textContent()).toContain(dataKey.id);
    await filterAction('key.');
    expect(await action.inputValue()).toBe('key.');
    const keyEntries = log.filter((e) => e.action.startsWith('key.')).length;
    expect(await countText()).toBe(`${keyEntries} of ${total} entries match`);
    await checkScreen('audit-filter-action');
    await clearFilters(total);

    await choose('Outcome', 'Failure');
    const failures = log.filter((e) => e.outcome === 'failure');
    expect(failures.length).toBeGreaterThan(0);
    expect(await countText()).toBe(`${failures.length} of ${total} entries match`);
    expect(await logRows().getByText('success', { exact: true }).count()).toBe(0);
    expect(await logRows().first().textContent()).toContain('policy.set');
    await checkScreen('audit-filter-failure');
    await clearFilters(total);

    await choose('Actor', OTHER);
    const theirs = log.filter((e) => e.actor === OTHER).map((e) => e.seq);
    expect(theirs.length).toBeGreaterThan(2);
    expect(await shownSeqs()).toEqual([...theirs].reverse());
    await clearFilters(total);

    await page.getByRole('searchbox', { name: 'Target or detail contains' }).fill(dataKey.id);
    const aboutKey = log.filter(
      (e) => e.target === dataKey.id || Object.values(e.detail).includes(dataKey.id),
    );
    expect(await countText()).toBe(`${aboutKey.length} of ${total} entries match`);
    await clearFilters(total);

    const tomorrow = new Date(Date.now() + 86_400_000);
    await typeDay('From', tomorrow);
    expect(await countText()).toBe(`0 of ${total} entries match`);
    expect(await page.getByText('No entry matches these filters.').isVisible()).toBe(true);
    await checkScreen('audit-filter-none');
    await typeDay('From', new Date());
    await typeDay('To', new Date());
    expect(await countText()).toBe(`${total} of ${total} entries match`);
    await clearFilters(total);
  });

  it('shows a selected entry in full, and follows the arrow keys', async () => {
    const { page } = ui;
    const log = await auditLog();
    const transition = log.find((e) => e.action === 'key.transition');
    await filterAction('key.transition');
    await logRows().first().click();
    const detail = page.getByRole('region', { name: `Entry #${transition?.seq}` });
    await detail.waitFor();
    expect(await detail.textContent()).toContain(transition?.hash ?? 'no hash');
    expect(await detail.getByText('suspended', { exact: true }).isVisible()).toBe(true);
    expect(await detail.getByRole('link', { name: 'Open the key' }).getAttribute('href')).toBe(
      `#/keys/${dataKey.id}`,
    );
    await checkScreen('audit-entry');
    await clearFilters(log.length);

    const newest = log.at(-1)?.seq ?? 0;
    await logRows().first().click();
    await page.getByRole('heading', { level: 2, name: `Entry #${newest}` }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { level: 2, name: `Entry #${newest - 1}` }).waitFor();
    const entry = log.find((e) => e.seq === newest - 1);
    expect(await page.getByText(entry?.hash ?? 'no hash').isVisible()).toBe(true);
  });

  it('pages through a long log, and reads the entries appended since', async () => {
    const { page } = ui;
    const log = await auditLog();
    const total = log.length;
    expect(total).toBeGreaterThan(2 * PAGE);
    await page.getByRole('button', { name: 'Older' }).click();
    expect(await shownSeqs()).toEqual(
      [...log]
        .reverse()
        .slice(PAGE, 2 * PAGE)
        .map((e) => e.seq),
    );
    expect(await page.getByText(`Entries ${PAGE + 1}–${2 * PAGE} of ${total}`).isVisible()).toBe(
      true,
    );
    await checkScreen('audit-page-2');
    await page.getByRole('button', { name: 'Oldest' }).click();
    expect((await shownSeqs()).at(-1)).toBe(1);
    await page.getByRole('button', { name: 'Newest' }).click();

    await call(page, 'keys', 'transition', { id: dataKey.id, to: 'active', reason: 'Review done' });
    await page.getByRole('button', { name: 'Read new entries' }).click();
    await page
      .getByTestId('audit-count')
      .filter({ hasText: `${total + 1} entries` })
      .waitFor();
    expect(await logRows().first().textContent()).toContain('key.transition');
  });

  it('verifies the chain: intact, with the checkpoint', async () => {
    const { page } = ui;
    const total = (await auditLog()).length;
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const result = page.getByRole('status').filter({ hasText: 'The chain is intact' });
    await result.waitFor();
    expect(await result.textContent()).toContain(`all ${total} entries link up`);
    expect(await result.textContent()).toContain(`The checkpoint at entry #${total} verified`);
    expect(await page.getByTestId('chain-badge').textContent()).toBe('Intact');
    await checkScreen('audit-verified');
    await setTheme('dark');
    await checkScreen('audit-verified-dark');
    await setTheme('light');
  });

  it('names the entry where the chain breaks after the file is edited behind its back', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Lock vault' }).click();
    await page.getByRole('heading', { name: 'Unlock with' }).waitFor();
    // As someone with the file but not the passphrase would: the log's triggers dropped, one
    // entry before the checkpoint rewritten.
    const db = new Database(vaultPath);
    try {
      db.exec(
        'DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;',
      );
      db.prepare('UPDATE audit_log SET actor = ? WHERE seq = 3').run('mallory');
    } finally {
      db.close();
    }
    await unlockInUi(page, PASSPHRASE);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const result = page.getByRole('status').filter({ hasText: 'The chain is broken' });
    await result.waitFor();
    expect(await result.textContent()).toContain(
      'The chain is broken at entry #3: its contents do not match its hash: the entry was edited.',
    );
    expect(await result.textContent()).toContain('Entries #1 to #2 link up');
    expect(await page.getByTestId('chain-badge').textContent()).toBe('Broken');
    await page.getByRole('button', { name: 'Show entry #3 in the log' }).click();
    const detail = page.getByRole('region', { name: 'Entry #3' });
    await detail.waitFor();
    expect(await detail.getByText('mallory', { exact: true }).isVisible()).toBe(true);
    const row = logRows().filter({ has: page.getByRole('rowheader', { name: '3', exact: true }) });
    expect(await row.getAttribute('aria-selected')).toBe('true');
    expect(await row.textContent()).toContain('chain breaks here');
    // The row takes the focus, so the arrow keys go on from there.
    expect(await page.locator('[role="row"]:focus').getAttribute('data-seq')).toBe('3');
    await checkScreen('audit-broken');
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
