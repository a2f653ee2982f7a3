import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The app from the keyboard alone, as a person who uses no mouse meets it: a vault created
// with Tab and Enter, the skip link first, every place in the order it is shown, focus taken
// to the screen a link opens, a person added, and a dialog that holds focus until Escape and
// then gives it back to the button that opened it. Every focused control shows a focus ring.

const PASSPHRASE = 'correct horse battery staple';

/** The little of the page's DOM these checks read (the test compiles without the DOM types). */
interface PageElement {
  id: string;
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  labels?: ArrayLike<{ textContent: string | null }> | null;
}
interface PageGlobals {
  document: {
    activeElement: PageElement | null;
    body: PageElement;
    getElementById(id: string): (PageElement & { contains(e: PageElement | null): boolean }) | null;
    querySelector(selector: string): { contains(e: PageElement | null): boolean } | null;
  };
  getComputedStyle(element: PageElement): {
    outlineStyle: string;
    outlineWidth: string;
    boxShadow: string;
  };
}
let dir: TempDir;
let ui: UiSession;

beforeAll(async () => {
  dir = tempDir('keywarden-ui-keyboard-');
  ui = await openUi({ vault: dir.file('vault.kw') });
}, 60_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

/** What the focused element is: its accessible-ish name (label, aria-label or text) and role. */
async function focused(page: Page): Promise<{ name: string; tag: string; id: string }> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const active = document.activeElement;
    if (!active || active === document.body) return { name: '', tag: 'body', id: '' };
    const labelled = active.getAttribute('aria-labelledby');
    const byLabel = labelled
      ? labelled
          .split(' ')
          .map((id: string) => document.getElementById(id)?.textContent ?? '')
          .join(' ')
      : '';
    const label = active.labels?.[0]?.textContent ?? '';
    const name =
      active.getAttribute('aria-label') ?? (label || byLabel || active.textContent || '');
    return { name: name.trim(), tag: active.tagName.toLowerCase(), id: active.id };
  });
}

/** Presses Tab until the focused element's name is `name`; fails after `most` presses. */
async function tabTo(page: Page, name: string | RegExp, most = 40): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < most; i += 1) {
    await page.keyboard.press('Tab');
    const now = (await focused(page)).name;
    if (typeof name === 'string' ? now === name : name.test(now)) return;
    seen.push(now);
  }
  throw new Error(`Tab never reached "${String(name)}"; it went through: ${seen.join(' | ')}`);
}

/** Whether the focused element draws a focus ring (an outline or a ring of box-shadow). */
async function showsFocusRing(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const active = document.activeElement;
    if (!active) return false;
    const style = getComputedStyle(active);
    return (
      (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) ||
      style.boxShadow !== 'none'
    );
  });
}

/**
 * Starts again from the top of the page, as a person does after a reload: the vault stays
 * open, and the next Tab goes to the first control of the page.
 */
async function fromTheTop(page: Page): Promise<void> {
  await page.reload();
  await page.getByRole('navigation', { name: 'Places' }).waitFor();
}

describe('the keyboard alone', () => {
  it('creates the vault with Tab, typing and Enter', async () => {
    const { page } = ui;
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    await tabTo(page, 'New passphrase');
    expect(await showsFocusRing(page)).toBe(true);
    await page.keyboard.type(PASSPHRASE);
    await tabTo(page, 'The same passphrase again');
    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Places' }).waitFor({ timeout: 60_000 });
  });

  it('offers the skip link first, and it takes focus to the screen', async () => {
    const { page } = ui;
    await fromTheTop(page);
    await page.keyboard.press('Tab');
    expect((await focused(page)).name).toBe('Skip to the screen');
    const box = await page.getByRole('link', { name: 'Skip to the screen' }).boundingBox();
    expect(box && box.x >= 0 && box.y >= 0).toBe(true);
    await ui.screenshot('keyboard-skip-link');
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('main');
  });

  it('reaches every place in the order shown, then the theme and the lock', async () => {
    const { page } = ui;
    await fromTheTop(page);
    const order: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      await page.keyboard.press('Tab');
      const { name } = await focused(page);
      order.push(name);
      expect({ name, ring: await showsFocusRing(page) }).toEqual({ name, ring: true });
    }
    expect(order).toEqual([
      'Skip to the screen',
      'Keys',
      'Crypto-periods',
      'Tokens',
      'Ceremonies',
      'Audit',
      'People',
      'Settings',
      'Theme: system',
      'Lock vault',
    ]);
  });

  it('opens a place with Enter and takes focus to its screen', async () => {
    const { page } = ui;
    await fromTheTop(page);
    await tabTo(page, 'People');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
    await expect
      .poll(async () =>
        page.evaluate(() => {
          const { document } = globalThis as unknown as PageGlobals;
          return document.getElementById('main')?.contains(document.activeElement);
        }),
      )
      .toBe(true);
    expect(await page.title()).toContain('People');
  });

  it('adds a person from the keyboard: a name, a role ticked with Space, Enter on the button', async () => {
    const { page } = ui;
    await tabTo(page, 'Name');
    await page.keyboard.type('Ada Keys');
    await tabTo(page, /^Officer/);
    await page.keyboard.press('Space');
    expect(await page.getByRole('checkbox', { name: /^Officer/ }).isChecked()).toBe(true);
    await tabTo(page, 'Add person');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Ada Keys' }).waitFor();
    await page
      .getByRole('row', { name: /Ada Keys/ })
      .first()
      .waitFor();
    await ui.screenshot('keyboard-person-added');
    expect(await ui.seriousViolations()).toEqual([]);
  });

  it('keeps focus inside a dialog until Escape, then gives it back to its opener', async () => {
    const { page } = ui;
    await fromTheTop(page);
    await tabTo(page, 'Keys');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
    await tabTo(page, 'New key');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New key' });
    await dialog.waitFor();
    const inDialog = () =>
      page.evaluate(() => {
        const { document } = globalThis as unknown as PageGlobals;
        return Boolean(document.querySelector('[role="dialog"]')?.contains(document.activeElement));
      });
    expect(await inDialog()).toBe(true);
    for (let i = 0; i < 30; i += 1) {
      await page.keyboard.press(i % 7 === 6 ? 'Shift+Tab' : 'Tab');
      expect(await inDialog()).toBe(true);
    }
    await ui.screenshot('keyboard-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // React Aria gives focus back in the frame after the dialog unmounts, so wait for it.
    await expect.poll(async () => (await focused(page)).name).toBe('New key');
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
