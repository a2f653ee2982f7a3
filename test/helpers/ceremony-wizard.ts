import { userInfo } from 'node:os';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { KeywardenApi } from '../../electron/shared/api.ts';
import type { Reply } from '../../electron/shared/contract.ts';
import type { KeyView, Role } from '../../electron/shared/inventory-types.ts';
import type { UiSession } from './ui-session.ts';

// The ceremony wizard driven as the people in the room drive it, for the end-to-end suites:
// a new ceremony opened from its template's form, then one turn at a time: the screen handed
// to the person named, what they bring typed into their panel, their presence proof, and the
// panel gone before the next person's appears. Screenshots and axe at each state.

/** The app's API inside the page (for page.evaluate callbacks). */
export type PageGlobal = { keywarden: KeywardenApi };

/** The value of a reply from window.keywarden; throws "CODE: message" on a refusal. */
export function valueOf<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.value;
}

/**
 * Registers the room through the page's API, as an officer would: the OS user as an officer
 * (the app acts as them and must be one to add people and keys), each person of `roles` with
 * their roles and, where `presence` has one, their presence passphrase; then Alice's Ed25519
 * "Ceremony key", which signs the transcripts. Returns that key.
 */
export async function seedRoom(
  page: Page,
  roles: Readonly<Record<string, readonly Role[]>>,
  presence: Readonly<Record<string, string>>,
): Promise<KeyView> {
  const signer = await page.evaluate(
    async ({ roles, presence, me }) => {
      const { keywarden } = globalThis as unknown as PageGlobal;
      const must = async <T>(reply: Promise<Reply<T>>): Promise<T> => {
        const answer = await reply;
        if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
        return answer.value;
      };
      await must(keywarden.people.add({ name: me, roles: ['officer'] }));
      for (const [name, held] of Object.entries(roles)) {
        await must(keywarden.people.add({ name, roles: [...held] }));
        const passphrase = presence[name];
        if (passphrase === undefined) continue;
        await must(
          keywarden.people.setPresence({ name, passphrase: new TextEncoder().encode(passphrase) }),
        );
      }
      return keywarden.keys.generate({
        name: 'Ceremony key',
        algorithm: 'ed25519',
        purposes: ['sign', 'verify'],
        owner: 'Alice',
      });
    },
    { roles, presence, me: userInfo().username },
  );
  return valueOf(signer);
}

/** One person's turn at one step, as the wizard names it ("enter/Carol"). */
export interface Turn {
  id: string;
  step: string;
  name: string;
}

/**
 * A screenshot of the page as it is now (test-output/screenshots/PREFIX-NN-NAME.png), and an
 * axe check for serious or critical violations unless `form` names markup axe has already
 * checked in this file (a hand-over, or a turn with the same fields).
 */
export function stepRecorder(ui: UiSession, prefix: string) {
  let shot = 0;
  const checked = new Set<string>();
  return async (name: string, form?: string): Promise<void> => {
    shot += 1;
    await ui.screenshot(`${prefix}-${String(shot).padStart(2, '0')}-${name}`);
    if (form !== undefined && checked.has(form)) return;
    if (form !== undefined) checked.add(form);
    expect(await ui.seriousViolations()).toEqual([]);
  };
}

/** Opens the Ceremonies place and the new-ceremony form of the template titled `title`. */
export async function newCeremony(page: Page, title: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Places' })
    .getByRole('link', { name: 'Ceremonies' })
    .click();
  await page.getByRole('heading', { name: 'Ceremonies', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'New ceremony' }).click();
  await page.getByText(title, { exact: true }).click();
  await page.getByRole('heading', { name: 'Roles and steps' }).waitFor();
}

/** Opens a Select by its label and picks the option whose text matches. */
export async function choose(page: Page, label: string, option: RegExp): Promise<void> {
  await page.getByRole('button', { name: new RegExp(label) }).click();
  await page.getByRole('option', { name: option }).click();
}

/** Ticks a person in a role's group of the participant picker. */
export async function assign(page: Page, group: RegExp, name: string): Promise<void> {
  await page.getByRole('group', { name: group }).getByText(name, { exact: true }).click();
}

/** Presses "Open the ceremony" and waits for the wizard, titled `title`. */
export async function openCeremony(page: Page, title: string): Promise<string> {
  await page.getByRole('button', { name: 'Open the ceremony' }).click();
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
  const id = /#\/ceremonies\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  expect(id, page.url()).toBeDefined();
  return id ?? '';
}

const handoverOf = (page: Page) => page.locator('.cer-handover');
const panelOf = (page: Page) => page.locator('.cer-turn');
const endOf = (page: Page) =>
  page.getByRole('heading', { name: /The ceremony (is complete|was aborted)/ });

/**
 * Waits for the wizard's next state and returns the turn due, with the screen handed to its
 * person (their panel open), or null when the ceremony has ended. `atHandover` runs while the
 * hand-over is shown, before "Continue as NAME" is pressed.
 */
export async function nextTurn(
  page: Page,
  atHandover?: (turn: Turn) => Promise<void>,
): Promise<Turn | null> {
  const handover = handoverOf(page);
  const panel = panelOf(page);
  const ended = endOf(page);
  await handover.or(panel).or(ended).first().waitFor();
  if (await ended.isVisible()) return null;
  const id = (await handover.or(panel).first().getAttribute('data-turn')) ?? '';
  const [step = '', name = ''] = id.split('/');
  const turn = { id, step, name };
  if (await handover.isVisible()) {
    await atHandover?.(turn);
    await page.getByRole('button', { name: `Continue as ${name}` }).click();
  }
  await page.getByRole('heading', { name: `It is ${name}’s turn`, exact: false }).waitFor();
  return turn;
}

/** The label of `name`'s presence proof field: their passphrase, or their token's PIN. */
export function proofLabel(name: string, byToken: boolean): string {
  return byToken
    ? `${name}’s token PIN (the token signs your presence)`
    : `${name}’s presence passphrase`;
}

/** Presses the turn's submit button (returning its words) and waits until the turn has passed. */
export async function submitTurn(page: Page, turn: Turn): Promise<string> {
  const button = panelOf(page).locator('button[type="submit"]');
  const verb = (await button.textContent()) ?? '';
  await button.click();
  await page.locator(`.cer-turn[data-turn="${turn.id}"]`).waitFor({ state: 'detached' });
  return verb;
}

/**
 * Presses the turn's submit button and waits for the refusal with error `code`: returns the
 * alert's text. The wizard says it above the panel (or the hand-over, when the turn passes on).
 */
export async function submitRefused(page: Page, code: string): Promise<string> {
  await panelOf(page).locator('button[type="submit"]').click();
  return refusal(page, code);
}

/** Waits for the wizard's alert with error `code` and returns its text. */
export async function refusal(page: Page, code: string): Promise<string> {
  const alert = page.locator('.cer-turn-area > [role="alert"]', { hasText: code });
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

/**
 * Takes plain turns (presence, acknowledgements, sign-offs: no input but the proof) until the
 * ceremony ends or a turn at a step in `stopAt` comes, which is returned with its panel open.
 * `proofOf` gives each person's proof. Each step's first turn is screenshot (axe once per
 * kind of turn). Returns who acted, in order, and the turn it stopped at (null at the end).
 */
export async function plainTurns(
  page: Page,
  options: {
    proofOf: (name: string) => { value: string; byToken: boolean };
    record: (name: string, form?: string) => Promise<void>;
    label: string;
    stopAt?: readonly string[];
  },
): Promise<{ acted: string[]; stoppedAt: Turn | null }> {
  const acted: string[] = [];
  const seen = new Set<string>();
  for (let count = 0; count < 40; count += 1) {
    const turn = await nextTurn(page, async ({ step, name }) => {
      if (!seen.has(step))
        await options.record(`${options.label}-${step}-hand-to-${name.toLowerCase()}`, 'hand-over');
    });
    if (!turn) return { acted, stoppedAt: null };
    if (options.stopAt?.includes(turn.step)) return { acted, stoppedAt: turn };
    const proof = options.proofOf(turn.name);
    await page.getByLabel(proofLabel(turn.name, proof.byToken)).fill(proof.value);
    const verb = (await panelOf(page).locator('button[type="submit"]').textContent()) ?? '';
    if (!seen.has(turn.step))
      await options.record(`${options.label}-${turn.step}-${turn.name.toLowerCase()}`, verb);
    seen.add(turn.step);
    await submitTurn(page, turn);
    acted.push(turn.name);
  }
  throw new Error('The ceremony did not end in 40 turns.');
}

/** The values of every input and text area in the page now (to check none kept a secret). */
export async function fieldValues(page: Page): Promise<string[]> {
  return page
    .locator('input, textarea')
    .evaluateAll((fields) => fields.map((field) => (field as unknown as { value: string }).value));
}
