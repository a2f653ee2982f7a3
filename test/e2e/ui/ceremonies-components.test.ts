import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ComponentSplitView } from '../../../electron/shared/ceremony-types.ts';
import type { KeyView } from '../../../electron/shared/inventory-types.ts';
import { PRESENCE } from '../../helpers/ceremony-script.ts';
import {
  assign,
  choose,
  fieldValues,
  newCeremony,
  nextTurn,
  openCeremony,
  plainTurns,
  proofLabel,
  stepRecorder,
  submitRefused,
  seedRoom,
  submitTurn,
  valueOf,
} from '../../helpers/ceremony-wizard.ts';
import type { PageGlobal } from '../../helpers/ceremony-wizard.ts';
import { openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { makeVault, tempDir, TEST_PASSPHRASE } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// PCI key component entry in Chromium, as the custodians in the room do it: each types their
// component (hex, never shown) at their own turn and reads its check value back against their
// component form before giving it; the screen is handed over, with nothing of the last
// component left in the page, before the next custodian's turn. Dual control: no one holds two
// custodian places, and no custodian takes another's turn. A malformed component, a component
// of the wrong length and a wrong component (the combined key's check value then differs from
// the paperwork's) are each refused in words and enter nothing; the key entered at last is in
// the inventory with the check value of the key the components came from.

const TITLE = 'PCI key component entry';
const PROOF = (name: string) => ({ value: PRESENCE[name] ?? '', byToken: false });

let dir: TempDir;
let ui: UiSession;
let record: ReturnType<typeof stepRecorder>;
let signer: KeyView;
/** The components of the source key, as their files say: value (grouped hex) and check value. */
let split: ComponentSplitView;
let component: Record<'Carol' | 'Dave', { value: string; kcv: string }>;

/** Registers the room and the keys, and splits the source key into Carol's and Dave's components. */
async function seed(page: Page, out: string) {
  const room = {
    Alice: ['officer'],
    Carol: ['custodian'],
    Dave: ['custodian'],
    Walter: ['custodian', 'witness'],
    Wendy: ['witness'],
  } as const;
  const signer = await seedRoom(page, room, PRESENCE);
  const split = valueOf(
    await page.evaluate(async (folder) => {
      const { keywarden } = globalThis as unknown as PageGlobal;
      const made = await keywarden.keys.generate({
        name: 'Terminal master (the bank’s copy)',
        algorithm: 'aes256',
        purposes: ['encrypt', 'decrypt'],
        owner: 'Alice',
      });
      if (!made.ok) return made;
      return keywarden.ceremony.splitComponents({
        keyId: made.value.id,
        custodians: ['Carol', 'Dave'],
        outDir: folder,
      });
    }, out),
  );
  return { signer, split };
}

/** Every key in the inventory. */
const allKeys = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as PageGlobal).keywarden.keys.list({})).then(valueOf);

/**
 * At a custodian's open turn: types `value` as their component, shows its check value and
 * returns it (the tick that it matches their form is left to the caller).
 */
async function typeComponent(page: Page, value: string): Promise<string> {
  await page.getByLabel('Your component (hex, not shown)').fill(value);
  await page.getByRole('button', { name: 'Show its check value' }).click();
  const shown = page.locator('.cer-check code').first();
  await shown.waitFor();
  return (await shown.textContent()) ?? '';
}

/** Ticks "It matches the check value on my component form" and types the presence passphrase. */
async function confirmAndProve(page: Page, name: string): Promise<void> {
  await page.getByText('It matches the check value on my component form').click();
  await page.getByLabel(proofLabel(name, false)).fill(PRESENCE[name]!);
}

/** Nothing of the given components (hex, grouped or not) is in the page or its fields. */
async function expectNoComponent(page: Page, values: string[]): Promise<void> {
  const content = await page.content();
  const fields = (await fieldValues(page)).join('\n');
  for (const value of values) {
    const digits = value.replace(/\s+/g, '');
    for (const form of [value, digits, digits.toLowerCase(), value.slice(0, 14)]) {
      expect(content).not.toContain(form);
      expect(fields).not.toContain(form);
    }
  }
}

beforeAll(async () => {
  dir = tempDir('keywarden-ui-ceremony-components-');
  await makeVault(dir.file('vault.kw'));
  ui = await openUi({ vault: dir.file('vault.kw') });
  // Tall enough that a screenshot holds the wizard (the screen scrolls inside the window).
  await ui.page.setViewportSize({ width: 1280, height: 1400 });
  await unlockInUi(ui.page, TEST_PASSPHRASE);
  record = stepRecorder(ui, 'ceremony-components');
  const out = dir.file('component-forms');
  mkdirSync(out);
  ({ signer, split } = await seed(ui.page, out));
  const read = (index: number) => {
    const file = split.files[index]!;
    const parsed = JSON.parse(readFileSync(file.path, 'utf8')) as { value: string };
    return { value: parsed.value, kcv: file.kcv };
  };
  component = { Carol: read(0), Dave: read(1) };
}, 90_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

describe('PCI component entry', () => {
  it('keeps dual control when the ceremony opens: no one holds two custodian places', async () => {
    const { page } = ui;
    await newCeremony(page, TITLE);
    await assign(page, /^Custodians/, 'Walter');
    // Walter is a custodian here, so he cannot also be the witness.
    const asWitness = page
      .getByRole('group', { name: /^Witnesses/ })
      .getByRole('checkbox', { name: /Walter/ });
    expect(await asWitness.isDisabled()).toBe(true);
    const witnessWalter = page
      .getByRole('group', { name: /^Witnesses/ })
      .locator('label', { hasText: 'Walter' });
    expect(await witnessWalter.textContent()).toContain('(chosen as custodian)');
    await record('picker-one-role');
    await assign(page, /^Custodians/, 'Walter');

    // The vault refuses one person named twice as custodian, whoever asks, and opens nothing.
    const before = valueOf(
      await page.evaluate(() => (globalThis as unknown as PageGlobal).keywarden.ceremony.list({})),
    );
    const refused = await page.evaluate(
      async ({ signer, kcv }) =>
        (globalThis as unknown as PageGlobal).keywarden.ceremony.start({
          template: 'component-entry',
          parameters: { name: 'x', kcv, purposes: ['encrypt'], owner: 'Alice' },
          participants: [
            { name: 'Alice', role: 'administrator' },
            { name: 'Carol', role: 'custodian' },
            { name: 'Carol', role: 'custodian' },
            { name: 'Wendy', role: 'witness' },
          ],
          signingKey: signer,
        }),
      { signer: signer.id, kcv: split.kcv },
    );
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error.code).toBe('SEPARATION_OF_DUTIES');
    const after = valueOf(
      await page.evaluate(() => (globalThis as unknown as PageGlobal).keywarden.ceremony.list({})),
    );
    expect(after).toEqual(before);
  }, 60_000);

  it('enters a key from two custodians’ components, one at a time, the screen cleared between them', async () => {
    const { page } = ui;
    const keysBefore = await allKeys(page);
    await page.getByLabel('Name of the key').fill('Terminal master');
    const paperworkKcv = page.getByLabel(/^Check value of the combined key/);
    await paperworkKcv.fill(`${split.kcv}0`);
    const purposes = page.getByRole('group', { name: 'Purposes' });
    await purposes.getByText('Encrypt', { exact: true }).click();
    await purposes.getByText('Decrypt', { exact: true }).click();
    await page.getByLabel('Owner (a registered person)').fill('Alice');
    await assign(page, /^Administrators/, 'Alice');
    await assign(page, /^Custodians/, 'Carol');
    await assign(page, /^Custodians/, 'Dave');
    await assign(page, /^Witnesses/, 'Wendy');
    await choose(page, 'Key that signs the transcript', /Ceremony key/);
    // A check value that is not six hex digits is refused in words when the ceremony opens.
    await page.getByRole('button', { name: 'Open the ceremony' }).click();
    const notKcv = page.getByRole('alert').filter({ hasText: 'BAD_REQUEST' });
    await notKcv.waitFor();
    expect(await notKcv.textContent()).toContain(
      `Check value of the combined key (hex, from the key's paperwork) ("kcv"): "${split.kcv}0" is not in the form it takes.`,
    );
    expect(page.url()).not.toMatch(/#\/ceremonies\/[0-9a-f-]{36}$/);
    await record('form-bad-kcv');
    await paperworkKcv.fill(split.kcv);
    await record('form');
    const id = await openCeremony(page, TITLE);
    await record('opened');

    const upTo = await plainTurns(page, {
      proofOf: PROOF,
      record,
      label: 'entry',
      stopAt: ['enter'],
    });
    expect(upTo.acted).toEqual(['Alice', 'Carol', 'Dave', 'Wendy', 'Carol', 'Dave']);
    let turn = upTo.stoppedAt!;
    expect(turn.id).toBe('enter/Carol');
    await record('enter-carol-empty');

    // Not hex: said in words at once, before anything is sent.
    await typeComponentRaw(page, 'my component is on the form');
    const notHex = page.locator('.cer-turn [role="alert"]');
    await notHex.waitFor();
    expect(await notHex.textContent()).toContain('A component is hex digits');
    await record('enter-not-hex');

    // Half a component (16 bytes): its check value reads back, but the vault refuses it in
    // words, names whose it was, and every field is emptied.
    const half = component.Carol.value.slice(0, 39);
    const halfKcv = await typeComponent(page, half);
    expect(halfKcv).toMatch(/^[0-9A-F]{6}$/);
    expect(halfKcv).not.toBe(component.Carol.kcv);
    await confirmAndProve(page, 'Carol');
    const short = await submitRefused(page, 'BAD_REQUEST');
    expect(short).toContain("Carol's component is 16 bytes");
    expect(short).toContain('BAD_REQUEST');
    expect(await page.getByLabel('Your component (hex, not shown)').inputValue()).toBe('');
    expect(await page.getByLabel(proofLabel('Carol', false)).inputValue()).toBe('');
    await record('enter-wrong-length');

    // Carol's own component: its check value is the one on her form.
    expect(await typeComponent(page, component.Carol.value)).toBe(component.Carol.kcv);
    await record('enter-carol-check-value');
    await confirmAndProve(page, 'Carol');
    expect(await submitTurn(page, turn)).toBe('Enter my component');

    // The screen goes to Dave with nothing of Carol's component in it, not even its check value.
    const dave = await nextTurn(page, async (next) => {
      expect(next.id).toBe('enter/Dave');
      await expectNoComponent(page, [component.Carol.value]);
      await record('enter-hand-to-dave', 'hand-over');
    });
    expect(dave?.id).toBe('enter/Dave');
    await expectNoComponent(page, [component.Carol.value]);
    expect(await page.locator('.cer-check').count()).toBe(0);
    expect(await page.content()).not.toContain(component.Carol.kcv);
    expect(await page.getByLabel('Your component (hex, not shown)').inputValue()).toBe('');
    await record('enter-dave-empty', 'component-turn');

    // Dual control: Carol, at Dave's turn, cannot give a second component; her passphrase
    // is not Dave's.
    expect(await typeComponent(page, component.Carol.value)).toBe(component.Carol.kcv);
    await page.getByText('It matches the check value on my component form').click();
    await page.getByLabel(proofLabel('Dave', false)).fill(PRESENCE.Carol!);
    const notDave = await submitRefused(page, 'PRESENCE_NOT_PROVEN');
    expect(notDave).toContain("That is not Dave's presence passphrase");
    expect(notDave).toContain('PRESENCE_NOT_PROVEN');
    await expectNoComponent(page, [component.Carol.value]);
    await record('enter-carol-as-dave');
    // Nor can she take a second turn at the step as herself: it is Dave's turn.
    const again = await page.evaluate(
      async ({ id, passphrase }) =>
        (globalThis as unknown as PageGlobal).keywarden.ceremony.advance({
          id,
          step: 'enter',
          by: 'Carol',
          passphrase: new TextEncoder().encode(passphrase),
          input: { component: new Uint8Array(32).fill(7) },
        }),
      { id, passphrase: PRESENCE.Carol! },
    );
    expect(again.ok ? '' : `${again.error.code}: ${again.error.message}`).toContain(
      'CEREMONY_STATE_INVALID: It is Dave\'s turn at step "enter", not Carol\'s.',
    );

    // Dave types a component that is not his: its check value differs from his form's. Had
    // he ticked the box anyway, the combined key's check value is not the paperwork's: refused
    // in words, no key entered, and both components forgotten (Carol enters hers again).
    const wrong = component.Dave.value.replace(/^[0-9A-F]/, (d) => (d === 'A' ? 'B' : 'A'));
    const wrongKcv = await typeComponent(page, wrong);
    expect(wrongKcv).not.toBe(component.Dave.kcv);
    await confirmAndProve(page, 'Dave');
    await record('enter-dave-wrong-component', 'component-turn');
    const mismatch = await submitRefused(page, 'KCV_MISMATCH');
    expect(mismatch).toContain(`The combined key's check value is`);
    expect(mismatch).toContain(`not ${split.kcv.toUpperCase()}: a component was mistyped`);
    // Dave still has the screen: it is handed over to Carol, the refusal said above it.
    await page.locator('.cer-handover[data-turn="enter/Carol"]').waitFor();
    expect(await page.locator('.cer-turn').count()).toBe(0);
    await expectNoComponent(page, [component.Carol.value, component.Dave.value, wrong]);
    expect(await allKeys(page)).toHaveLength(keysBefore.length);
    await record('enter-kcv-mismatch');

    // Carol again, then Dave with his own component, by the keyboard alone: the component
    // field has the focus, then the check value's button, its tick box, the passphrase, and
    // Enter takes the turn.
    turn = (await nextTurn(page))!;
    expect(turn.id).toBe('enter/Carol');
    await expectNoComponent(page, [component.Carol.value, component.Dave.value]);
    expect(await typeComponent(page, component.Carol.value)).toBe(component.Carol.kcv);
    await confirmAndProve(page, 'Carol');
    await submitTurn(page, turn);
    turn = (await nextTurn(page))!;
    expect(turn.id).toBe('enter/Dave');
    await expectNoComponent(page, [component.Carol.value, component.Dave.value]);
    const field = page.getByLabel('Your component (hex, not shown)');
    await expect
      .poll(() => field.evaluate((el) => el === el.ownerDocument.activeElement))
      .toBe(true);
    await page.keyboard.type(component.Dave.value);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const kcv = page.locator('.cer-check code').first();
    await kcv.waitFor();
    expect(await kcv.textContent()).toBe(component.Dave.kcv);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(
      await page.getByRole('checkbox', { name: /It matches the check value/ }).isChecked(),
    ).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PRESENCE.Dave!);
    expect(await page.getByLabel(proofLabel('Dave', false)).inputValue()).toBe(PRESENCE.Dave);
    await page.keyboard.press('Enter');
    await page.locator(`.cer-turn[data-turn="${turn.id}"]`).waitFor({ state: 'detached' });

    const rest = await plainTurns(page, { proofOf: PROOF, record, label: 'entry' });
    expect(rest.acted).toEqual(['Alice', 'Wendy', 'Wendy']);
    expect(rest.stoppedAt).toBeNull();
    await page.getByRole('heading', { name: 'The ceremony is complete' }).waitFor();
    await expectNoComponent(page, [component.Carol.value, component.Dave.value]);
    await record('complete');

    // The key is in the inventory, with the check value of the key the components came from.
    const results = page.getByRole('region', { name: 'What the vault did' });
    expect(await results.textContent()).toContain(split.kcv);
    const view = valueOf(
      await page.evaluate(
        (ceremony) =>
          (globalThis as unknown as PageGlobal).keywarden.ceremony.show({ id: ceremony }),
        id,
      ),
    );
    const action = view.entries.find((e) => e.event === 'action')!;
    expect(action.detail).toMatchObject({
      action: 'enter-components',
      kcv: split.kcv,
      contributors: ['Carol', 'Dave'],
    });
    const entered = (await allKeys(page)).find((k) => k.id === action.detail.key);
    expect(entered).toMatchObject({
      name: 'Terminal master',
      algorithm: 'aes256',
      purposes: ['encrypt', 'decrypt'],
      state: 'active',
    });
    expect(entered?.id).not.toBe(split.keyId);
    await results
      .getByRole('link', { name: `Open the key ${entered!.id} in the inventory` })
      .click();
    await page.getByRole('heading', { name: 'Terminal master', level: 1 }).waitFor();
    await record('entered-key');
  }, 240_000);

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});

/** Types `text` into the component field and asks for its check value. */
async function typeComponentRaw(page: Page, text: string): Promise<void> {
  await page.getByLabel('Your component (hex, not shown)').fill(text);
  await page.getByRole('button', { name: 'Show its check value' }).click();
}
