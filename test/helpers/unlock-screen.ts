import type { Locator, Page } from 'playwright-core';

// The unlock screen of a vault of several slots, as the end-to-end files drive it: a slot chosen
// by its title, the fields of its form, Unlock pressed until the app opens or an alert refuses,
// the vault locked again, and what of the typed secrets a page still holds.

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The radio of the slot titled `title` (its name goes on with the slot's factors). */
export const slotRadio = (page: Page, title: string): Locator =>
  page.getByRole('radio', { name: new RegExp(`^${escaped(title)}`) });

/** Picks the slot titled `title` with the pointer; whether it is now the one chosen. */
export async function chooseSlot(page: Page, title: string): Promise<boolean> {
  await page
    .locator('.slot-radio')
    .filter({ has: page.getByText(title, { exact: true }) })
    .click();
  return slotRadio(page, title).isChecked();
}

/** A field of the chosen slot's form, by its label (a slot's radio may bear the same name). */
export const field = (page: Page, label: string): Locator =>
  page.getByRole('textbox', { name: label, exact: true });

/** Submits the chosen slot's form and waits for the alert that carries `code`; its words. */
export async function refusedWith(page: Page, code: string): Promise<string> {
  await page.getByRole('button', { name: 'Unlock' }).click();
  const alert = page.getByRole('alert').filter({ hasText: code });
  await alert.waitFor({ timeout: 60_000 });
  return (await alert.textContent()) ?? '';
}

/** Submits the chosen slot's form and waits for the app ('Places'). */
export async function submitAndWaitForApp(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('navigation', { name: 'Places' }).waitFor({ timeout: 60_000 });
}

/** Locks the vault from the app and waits for the unlock screen's slots. */
export async function lockVault(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Lock vault' }).click();
  await page.getByRole('heading', { name: 'Unlock with' }).waitFor();
}

/** The page's markup and the values of its inputs: what a page could leave a secret in. */
export async function pageText(page: Page): Promise<string> {
  const values = await page
    .locator('input')
    .evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
  return `${await page.content()}\n${values.join('\n')}`;
}

/** Those of `secrets` the page still holds somewhere (see pageText); [] when none. */
export async function secretsInPage(page: Page, secrets: readonly string[]): Promise<string[]> {
  const text = await pageText(page);
  return secrets.filter((secret) => text.includes(secret));
}
