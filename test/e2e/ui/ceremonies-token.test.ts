import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
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
import { startSoftHsm } from '../../helpers/softhsm.fixture.ts';
import type { SoftHsm, SoftHsmToken } from '../../helpers/softhsm.fixture.ts';
import { openUi, unlockInUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { makeVault, tempDir, TEST_PASSPHRASE } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The ceremony wizard's token paths in Chromium against real SoftHSM2 tokens: an administrator
// who proves presence with his token (its PIN typed, the token signs each of his turns), a key
// generated on that token at a generate-key ceremony (the token's PIN asked at the action), a
// wrong PIN told in words at either place, and a token enrolled for a custodian (the
// administrator sets the SO PIN, the custodian her user PIN, each typed twice, neither seeing
// the other's). No PIN is left in the page or its fields once its turn is over.

/** Oscar's token PIN: long enough that finding it in the page means it was left there. */
const OSCAR_PIN = '48151623';
const OSCAR_SO_PIN = '90210537';
const WRONG_PIN = '11235813';
const ENROL_SO_PIN = '86429753';
const ENROL_USER_PIN = '31415926';

let dir: TempDir;
let hsm: SoftHsm;
let token: SoftHsmToken;
let ui: UiSession;
let record: ReturnType<typeof stepRecorder>;
let seeded: { signer: KeyView; oscarsKey: KeyView };

/** Each person's presence proof: Oscar's token PIN, everyone else's passphrase. */
const proofOf = (name: string) =>
  name === 'Oscar'
    ? { value: OSCAR_PIN, byToken: true }
    : { value: PRESENCE[name] ?? '', byToken: false };

/**
 * Registers the room as an officer would: passphrases for Alice, Carol and Wendy; for Oscar a
 * P-256 signing key made on his token, enrolled as how he proves presence.
 */
async function seed(page: Page) {
  const room = {
    Alice: ['officer'],
    Oscar: ['officer'],
    Carol: ['custodian'],
    Wendy: ['witness'],
  } as const;
  // Oscar is not in PRESENCE: he proves presence with his token alone.
  const signer = await seedRoom(page, room, PRESENCE);
  const oscarsKey = valueOf(
    await page.evaluate(
      async ({ serial, pin }) => {
        const { keywarden } = globalThis as unknown as PageGlobal;
        const made = await keywarden.keys.generate({
          name: 'Oscar presence',
          algorithm: 'p256',
          purposes: ['sign'],
          owner: 'Oscar',
          token: { serial, pin: new TextEncoder().encode(pin) },
        });
        if (!made.ok) return made;
        const enrolled = await keywarden.people.setPresence({
          name: 'Oscar',
          tokenKey: made.value.id,
        });
        return enrolled.ok ? made : enrolled;
      },
      { serial: token.serial, pin: OSCAR_PIN },
    ),
  );
  return { signer, oscarsKey };
}

/** None of `secrets` is in the page's markup or in any of its fields. */
async function expectNone(page: Page, secrets: string[]): Promise<void> {
  const content = await page.content();
  const fields = await fieldValues(page);
  for (const secret of secrets) {
    expect(content).not.toContain(secret);
    expect(fields).not.toContain(secret);
  }
}

/** The ceremony as the vault has it now. */
const shown = async (page: Page, id: string) =>
  valueOf(
    await page.evaluate(
      (ceremony) => (globalThis as unknown as PageGlobal).keywarden.ceremony.show({ id: ceremony }),
      id,
    ),
  );

beforeAll(async () => {
  dir = tempDir('keywarden-ui-ceremony-token-');
  hsm = startSoftHsm({ tokens: 0 });
  token = hsm.addToken('kw-cer-oscar', { pin: OSCAR_PIN, soPin: OSCAR_SO_PIN });
  await makeVault(dir.file('vault.kw'));
  ui = await openUi({ vault: dir.file('vault.kw'), softhsmConf: hsm.conf });
  // Tall enough that a screenshot holds the wizard (the screen scrolls inside the window).
  await ui.page.setViewportSize({ width: 1280, height: 1400 });
  await unlockInUi(ui.page, TEST_PASSPHRASE);
  record = stepRecorder(ui, 'ceremony-token');
  seeded = await seed(ui.page);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
  hsm?.cleanup();
});

describe('ceremonies on tokens', () => {
  it('generates a key on a token, its administrator proving presence with his token’s PIN', async () => {
    const { page } = ui;
    await newCeremony(page, 'Generate a key');
    await page.getByLabel('Name of the new key').fill('Issuing CA');
    await choose(page, 'Algorithm', /^p256$/);
    await page.getByRole('group', { name: 'Purposes' }).getByText('Sign', { exact: true }).click();
    await page.getByLabel('Owner (a registered person)').fill('Oscar');
    await page.getByLabel('Tier (1 most valuable, 4 least)').fill('3');
    await page.getByLabel(/^Token serial to generate on/).fill(token.serial);
    await assign(page, /^Administrators/, 'Oscar');
    await assign(page, /^Witnesses/, 'Wendy');
    await choose(page, 'Key that signs the transcript', /Ceremony key/);
    await record('generate-form');
    const id = await openCeremony(page, 'Generate a key');

    // Oscar proves presence with his token: a wrong PIN is told in words, the field emptied.
    await page.getByRole('button', { name: 'Continue as Oscar' }).click();
    const oscarsProof = page.getByLabel(proofLabel('Oscar', true));
    await oscarsProof.fill(WRONG_PIN);
    await record('generate-token-presence');
    const wrongPresence = await submitRefused(page, 'PIN_INCORRECT');
    expect(wrongPresence).toContain('Check the PIN');
    expect(await oscarsProof.inputValue()).toBe('');
    await expectNone(page, [WRONG_PIN]);
    await record('generate-token-presence-wrong-pin');
    expect((await shown(page, id)).entries).toHaveLength(0);

    const upTo = await plainTurns(page, {
      proofOf,
      record,
      label: 'generate',
      stopAt: ['generate'],
    });
    expect(upTo.acted).toEqual(['Oscar', 'Wendy', 'Oscar', 'Wendy']);
    const turn = upTo.stoppedAt!;
    expect(turn.id).toBe('generate/Oscar');
    await expectNone(page, [OSCAR_PIN]);

    // The vault asks for the PIN of the token it generates on. A wrong one is told in words,
    // no key is made, and both PIN fields are emptied.
    const keysBefore = valueOf(
      await page.evaluate(() => (globalThis as unknown as PageGlobal).keywarden.keys.list({})),
    );
    const tokenPin = page.getByLabel(`PIN of token ${token.serial}`);
    await page.getByText(`(p256) on token ${token.serial}.`, { exact: false }).waitFor();
    await tokenPin.fill(WRONG_PIN);
    await oscarsProof.fill(OSCAR_PIN);
    await record('generate-action');
    const wrongPin = await submitRefused(page, 'PIN_INCORRECT');
    expect(wrongPin).toContain('Check the PIN');
    expect(await tokenPin.inputValue()).toBe('');
    expect(await oscarsProof.inputValue()).toBe('');
    await expectNone(page, [WRONG_PIN, OSCAR_PIN]);
    await record('generate-action-wrong-pin');
    const keysAfterRefusal = valueOf(
      await page.evaluate(() => (globalThis as unknown as PageGlobal).keywarden.keys.list({})),
    );
    expect(keysAfterRefusal).toHaveLength(keysBefore.length);

    await tokenPin.fill(OSCAR_PIN);
    await oscarsProof.fill(OSCAR_PIN);
    expect(await submitTurn(page, turn)).toBe('Generate the key');
    await expectNone(page, [OSCAR_PIN]);

    const rest = await plainTurns(page, { proofOf, record, label: 'generate' });
    expect(rest.acted).toEqual(['Oscar', 'Wendy', 'Wendy']);
    await page.getByRole('heading', { name: 'The ceremony is complete' }).waitFor();
    await expectNone(page, [OSCAR_PIN, WRONG_PIN]);
    await record('generate-complete');

    // The key is on the token, in the inventory as Oscar's; each of Oscar's turns carries a
    // signature by his token.
    const view = await shown(page, id);
    const action = view.entries.find((e) => e.event === 'action')!;
    expect(action.detail.location).toBe(`token ${token.serial}`);
    expect(action.detail.contributors).toEqual(['Oscar']);
    const byOscar = view.entries.filter((e) => e.by === 'Oscar' && e.event !== 'action');
    expect(byOscar.map((e) => e.step)).toEqual(['attendance', 'room', 'fingerprint']);
    for (const entry of byOscar) {
      expect(entry.detail.proof).toBe('token');
      expect(String(entry.detail.signature)).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/);
    }
    const made = valueOf(
      await page.evaluate(
        (key) => (globalThis as unknown as PageGlobal).keywarden.keys.show({ id: key }),
        String(action.detail.key),
      ),
    );
    expect(made).toMatchObject({ name: 'Issuing CA', algorithm: 'p256', tier: 3 });
    expect(made.location).toMatchObject({ kind: 'token', serial: token.serial });
    const ckaId = made.location.kind === 'token' ? made.location.ckaId : '';
    const objects = valueOf(
      await page.evaluate(
        ({ serial, pin }) =>
          (globalThis as unknown as PageGlobal).keywarden.tokens.objects({
            serial,
            pin: new TextEncoder().encode(pin),
          }),
        { serial: token.serial, pin: OSCAR_PIN },
      ),
    );
    expect(
      objects
        .filter((o) => o.id === ckaId)
        .map((o) => o.class)
        .sort(),
    ).toEqual(['private-key', 'public-key']);
    expect(made.id).not.toBe(seeded.oscarsKey.id);
    await page
      .getByRole('region', { name: 'What the vault did' })
      .getByRole('link', { name: `Open the key ${made.id} in the inventory` })
      .waitFor();
  }, 240_000);

  it('enrols a token for a custodian: the SO PIN and her user PIN each typed twice, never shown', async () => {
    const { page } = ui;
    await newCeremony(page, 'Enrol a token');
    await page.getByLabel('Token label (up to 32 characters)').fill('kw-carol-card');
    await assign(page, /^Administrators/, 'Alice');
    await assign(page, /^Custodians/, 'Carol');
    await assign(page, /^Witnesses/, 'Wendy');
    await choose(page, 'Key that signs the transcript', /Ceremony key/);
    await record('enrol-form');
    const id = await openCeremony(page, 'Enrol a token');

    const upTo = await plainTurns(page, {
      proofOf,
      record,
      label: 'enrol',
      stopAt: ['initialise'],
    });
    expect(upTo.acted).toEqual(['Alice', 'Carol', 'Wendy', 'Carol', 'Wendy']);
    let turn = upTo.stoppedAt!;
    expect(turn.id).toBe('initialise/Alice');

    // Alice sets the SO PIN; two entries that differ are said so, and the turn cannot be taken.
    const submit = page.locator('.cer-turn button[type="submit"]');
    await page.getByLabel('New security officer PIN').fill(ENROL_SO_PIN);
    await page.getByLabel('The same PIN again').fill(`${ENROL_SO_PIN}0`);
    await page.getByLabel(proofLabel('Alice', false)).fill(PRESENCE.Alice!);
    await page.getByText('The two entries differ.').waitFor();
    expect(await submit.isDisabled()).toBe(true);
    await record('enrol-so-pin-differs');
    await page.getByLabel('The same PIN again').fill(ENROL_SO_PIN);
    expect(await submit.isDisabled()).toBe(false);
    await submitTurn(page, turn);

    // The screen goes to Carol with nothing of Alice's PIN in it.
    const carol = await nextTurn(page, async (next) => {
      expect(next.id).toBe('initialise/Carol');
      await expectNone(page, [ENROL_SO_PIN]);
      await record('enrol-hand-to-carol', 'hand-over');
    });
    turn = carol!;
    await expectNone(page, [ENROL_SO_PIN]);
    await page.getByLabel('Your new user PIN').fill(ENROL_USER_PIN);
    await page.getByLabel('The same PIN again').fill(ENROL_USER_PIN);
    await page.getByLabel(proofLabel('Carol', false)).fill(PRESENCE.Carol!);
    await record('enrol-user-pin');
    await submitTurn(page, turn);

    const rest = await plainTurns(page, { proofOf, record, label: 'enrol' });
    expect(rest.acted).toEqual(['Carol', 'Wendy']);
    await page.getByRole('heading', { name: 'The ceremony is complete' }).waitFor();
    await expectNone(page, [ENROL_SO_PIN, ENROL_USER_PIN]);
    // Both gave a PIN at the initialisation: the steps say so.
    const initialise = await page.locator('.cer-step', { hasText: 'Initialise' }).textContent();
    expect(initialise).toContain('1 of 1 administrator, 1 of 1 custodian');
    expect(initialise).toContain('Done: Alice, Carol');
    await record('enrol-complete');

    // The token is initialised with its label; Carol's user PIN opens it, and the transcript
    // holds neither PIN.
    const view = await shown(page, id);
    const action = view.entries.find((e) => e.event === 'action')!;
    expect(action.detail).toMatchObject({ label: 'kw-carol-card', keeper: 'Carol' });
    const serial = String(action.detail.token);
    expect(serial).not.toBe(token.serial);
    const listed = valueOf(
      await page.evaluate(() => (globalThis as unknown as PageGlobal).keywarden.tokens.list({})),
    );
    expect(listed.tokens).toContainEqual(
      expect.objectContaining({ serial, label: 'kw-carol-card', initialized: true }),
    );
    const opened = await page.evaluate(
      ({ serial, pin }) =>
        (globalThis as unknown as PageGlobal).keywarden.tokens.objects({
          serial,
          pin: new TextEncoder().encode(pin),
        }),
      { serial, pin: ENROL_USER_PIN },
    );
    expect(opened.ok).toBe(true);
    const text = JSON.stringify(view);
    expect(text).not.toContain(ENROL_SO_PIN);
    expect(text).not.toContain(ENROL_USER_PIN);
  }, 240_000);

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
