import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { KeywardenApi } from '../../../electron/shared/api.ts';
import type { KeyView } from '../../../electron/shared/inventory-types.ts';
import type { TranscriptDocument } from '../../../electron/shared/ceremony-run-types.ts';
import { assign, choose, seedRoom, stepRecorder, valueOf } from '../../helpers/ceremony-wizard.ts';
import type { PageGlobal } from '../../helpers/ceremony-wizard.ts';
import { createVaultInUi, openUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The ceremony screens in Chromium, run as the people in the room would run them: a key split
// 2-of-3 through the wizard (share files written to a folder, never shown), its transcript
// exported and verified (and a tampered copy refused), the key rebuilt from two of the shares
// typed in by their custodians one at a time, and a ceremony resumed in a new session and
// aborted by its administrator. A wrong presence passphrase is refused in words; axe finds
// nothing serious at any step.

const PASSPHRASE = 'correct horse battery staple';
const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const PRESENCE: Record<string, string> = {
  Alice: 'alice presence passphrase',
  Carol: 'carol presence passphrase',
  Dave: 'dave presence passphrase',
  Erin: 'erin presence passphrase',
  Wendy: 'wendy presence passphrase',
};

let dir: TempDir;
let ui: UiSession;
let seeded: { signer: KeyView; secret: KeyView };
let splitKcv = '';
let shareFolder = '';
let step: ReturnType<typeof stepRecorder>;

/** Registers the people and their presence passphrases, and the two keys, as an officer would. */
async function seed(page: Page): Promise<{ signer: KeyView; secret: KeyView }> {
  const room = {
    Alice: ['officer'],
    Carol: ['custodian'],
    Dave: ['custodian'],
    Erin: ['custodian'],
    Wendy: ['witness'],
  } as const;
  const signer = await seedRoom(page, room, PRESENCE);
  const secret = valueOf(
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobal).keywarden.keys.generate({
        name: 'Payments key',
        algorithm: 'aes256',
        purposes: ['encrypt', 'decrypt'],
        owner: 'Alice',
      }),
    ),
  );
  return { signer, secret };
}

/** Goes to a place in the app, as a link would. */
async function goTo(page: Page, hash: string): Promise<void> {
  await page.evaluate((to) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = to;
  }, hash);
}

/**
 * Takes every turn until the ceremony ends, as the person each turn names: the hand-over, then
 * their share (when `shares` has one for them) and presence passphrase. The first turn of each
 * step, and every share's, is screenshot; axe checks each kind of turn (and every share's)
 * once. Returns who acted, in order.
 */
async function runTurns(page: Page, label: string, shares: Record<string, string> = {}) {
  const acted: string[] = [];
  const seen = new Set<string>();
  const ended = page.getByRole('heading', { name: /The ceremony (is complete|was aborted)/ });
  const handover = page.locator('.cer-handover');
  const panel = page.locator('.cer-turn');
  for (let turn = 0; turn < 30; turn += 1) {
    await handover.or(panel).or(ended).first().waitFor();
    if (await ended.isVisible()) return acted;
    const turnId = (await handover.or(panel).first().getAttribute('data-turn'))!;
    const [stepId, name] = turnId.split('/') as [string, string];
    const share = page.getByLabel('Your share');
    const firstOfStep = !seen.has(stepId);
    seen.add(stepId);
    if (await handover.isVisible()) {
      if (firstOfStep) await step(`${label}-${stepId}-hand-to-${name.toLowerCase()}`, 'hand-over');
      await page.getByRole('button', { name: `Continue as ${name}` }).click();
    }
    await page.getByRole('heading', { name: `It is ${name}’s turn`, exact: false }).waitFor();
    const sharing = await share.isVisible();
    if (sharing) {
      // Nothing of the last custodian's share is left for the next to see.
      expect(await share.inputValue()).toBe('');
      const content = await page.content();
      for (const other of Object.values(shares)) expect(content).not.toContain(other.slice(0, 80));
      await share.fill(shares[name]!);
    }
    await page.getByLabel(`${name}’s presence passphrase`).fill(PRESENCE[name]!);
    const verb = (await panel.locator('button[type="submit"]').textContent())!;
    if (firstOfStep || sharing)
      await step(`${label}-${stepId}-${name.toLowerCase()}`, sharing ? undefined : verb);
    // The turn is over when its panel is gone (the next person's, or the end, replaces it).
    await panel.locator('button[type="submit"]').click();
    await page.locator(`.cer-turn[data-turn="${turnId}"]`).waitFor({ state: 'detached' });
    acted.push(name);
  }
  throw new Error('The ceremony did not end in 30 turns.');
}

beforeAll(async () => {
  dir = tempDir('keywarden-ui-ceremonies-');
  ui = await openUi({ vault: dir.file('vault.kw') });
  // Tall enough that a screenshot holds the wizard (the screen scrolls inside the window).
  await ui.page.setViewportSize({ width: 1280, height: 1400 });
  await createVaultInUi(ui.page, PASSPHRASE);
  step = stepRecorder(ui, 'ceremonies');
  seeded = await seed(ui.page);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  dir?.cleanup();
});

describe('ceremonies', () => {
  it('splits a key 2-of-3 through the wizard into share files it never shows', async () => {
    const { page } = ui;
    await page
      .getByRole('navigation', { name: 'Places' })
      .getByRole('link', { name: 'Ceremonies' })
      .click();
    await page.getByRole('heading', { name: 'Ceremonies', level: 1 }).waitFor();
    await page.getByText('No ceremony has been held in this vault yet').waitFor();
    await step('empty-list');

    await page.getByRole('button', { name: 'New ceremony' }).click();
    await page.getByText('Split a key among custodians', { exact: true }).click();
    await page.getByRole('heading', { name: 'Roles and steps' }).waitFor();
    await step('split-template');

    const out = join(dir.path, 'removable');
    mkdirSync(out);
    await choose(page, 'The key to split', /Payments key/);
    await page.getByLabel('Shares needed to rebuild it').fill('2');
    await choose(page, 'Share format', /^pdf$/);
    await page.getByLabel('Folder on the removable medium').fill(out);
    await assign(page, /^Administrators/, 'Alice');
    for (const name of ['Carol', 'Dave', 'Erin']) await assign(page, /^Custodians/, name);
    await assign(page, /^Witnesses/, 'Wendy');
    await choose(page, 'Key that signs the transcript', /Ceremony key/);
    await page.getByText('the quorum is 2 of 3 custodians').waitFor();
    await step('split-form');
    await page.getByRole('button', { name: 'Open the ceremony' }).click();

    await page.getByRole('heading', { name: 'Split a key among custodians', level: 1 }).waitFor();
    expect(page.url()).toMatch(/#\/ceremonies\/[0-9a-f-]{36}$/);
    await step('split-opened');

    // A wrong presence passphrase is refused in words, and the field is emptied.
    await page.getByRole('button', { name: 'Continue as Alice' }).click();
    await page.getByLabel('Alice’s presence passphrase').fill('not her passphrase');
    await page.getByRole('button', { name: 'Confirm I am present' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("That is not Alice's presence passphrase");
    expect(await alert.textContent()).toContain('PRESENCE_NOT_PROVEN');
    expect(await alert.textContent()).toContain('proves presence with their own passphrase');
    expect(await page.getByLabel('Alice’s presence passphrase').inputValue()).toBe('');
    await step('split-wrong-passphrase');

    const acted = await runTurns(page, 'split');
    expect(acted).toEqual([
      'Alice',
      'Carol',
      'Dave',
      'Erin',
      'Wendy',
      'Alice',
      'Wendy',
      'Alice',
      'Carol',
      'Dave',
      'Erin',
      'Wendy',
    ]);
    const handOver = page.locator('.cer-step', { hasText: 'Hand over the shares' });
    expect(await handOver.textContent()).toContain('3 of 3 custodians');
    await step('split-complete');
    const theme = page.getByRole('button', { name: /^Theme: / });
    await theme.click();
    expect(await theme.textContent()).toBe('Theme: dark');
    await step('split-complete-dark');
    await theme.click();
    await theme.click();

    // The share files and sheets are in the ceremony's own folder; the page shows none of them.
    const [folder] = readdirSync(out);
    shareFolder = join(out, folder!);
    const files = readdirSync(shareFolder).sort();
    expect(files.filter((f) => f.endsWith('.share'))).toHaveLength(3);
    expect(files.filter((f) => f.endsWith('.pdf'))).toHaveLength(3);
    expect(await page.getByText(shareFolder, { exact: true }).count()).toBeGreaterThan(0);
    const content = await page.content();
    for (const file of files.filter((f) => f.endsWith('.share'))) {
      const share = JSON.parse(readFileSync(join(shareFolder, file), 'utf8')) as { value?: string };
      const secretPart = Object.values(share).filter((v) => typeof v === 'string' && v.length > 40);
      for (const part of secretPart) expect(content).not.toContain(part);
    }

    // Each sheet prints from the page: the vault hands the file itself to the printer (the
    // bridge's reads it and reports its digest); the page never holds the sheet's bytes.
    const sheet = files.find((f) => f.endsWith('.pdf'))!;
    await page.getByRole('button', { name: `Print ${sheet}…` }).click();
    await page.getByText(`${sheet} is open in the PDF viewer: print it there.`).waitFor();
    expect(ui.printed()).toEqual([
      { sha256: sha256Of(join(shareFolder, sheet)), path: join(shareFolder, sheet) },
    ]);
    await step('split-sheet-printed');

    // The transcript exports (JSON and PDF) and verifies; a copy with one changed byte does not.
    const json = join(dir.path, 'split-transcript.json');
    const pdf = join(dir.path, 'split-transcript.pdf');
    await page.getByLabel('Transcript file (JSON)').fill(json);
    await page.getByLabel('Printable transcript (PDF)').fill(pdf);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByText(/^Written, signed, with \d+ entries/).waitFor();
    expect(existsSync(json) && existsSync(pdf)).toBe(true);
    const transcript = JSON.parse(readFileSync(json, 'utf8')) as TranscriptDocument;
    const action = transcript.entries.find((e) => e.event === 'action')!;
    splitKcv = String(action.detail.kcv);
    expect(splitKcv).toMatch(/^[0-9A-F]{6}$/);
    expect(transcript.status).toBe('completed');
    await page.getByRole('button', { name: 'Print split-transcript.pdf…' }).click();
    await page.getByText('split-transcript.pdf is open in the PDF viewer').waitFor();
    expect(ui.printed().at(-1)).toEqual({ sha256: sha256Of(pdf), path: pdf });

    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose the transcript file…' }).click();
    await (await chooser).setFiles(json);
    await page.getByText('split-transcript.json verifies').waitFor();
    await step('split-transcript-verified');

    const tampered = join(dir.path, 'tampered.json');
    writeFileSync(
      tampered,
      readFileSync(json, 'utf8').replace(splitKcv, splitKcv === '000000' ? '111111' : '000000'),
    );
    const again = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose the transcript file…' }).click();
    await (await again).setFiles(tampered);
    await page
      .getByRole('alert')
      .filter({ hasText: /TRANSCRIPT_(INVALID|SIGNATURE_INVALID)/ })
      .filter({ hasText: /(changed, cut short|changed after it was signed)/ })
      .waitFor();
    await step('split-transcript-tampered');
  }, 180_000);

  it('recombines the key from two shares, each custodian typing theirs in turn', async () => {
    const { page } = ui;
    const shareOf = (name: string) => {
      const file = readdirSync(shareFolder).find((f) => f.endsWith(`-${name.toLowerCase()}.share`));
      return readFileSync(join(shareFolder, file!), 'utf8');
    };
    const shares = { Carol: shareOf('Carol'), Erin: shareOf('Erin') };

    await page.getByRole('link', { name: 'All ceremonies' }).click();
    await page.getByRole('button', { name: 'New ceremony' }).click();
    await page.getByText('Recombine a key from shares', { exact: true }).click();
    await page.getByLabel('Shares the split needs').fill('2');
    await page.getByLabel('Name of the rebuilt key').fill('Payments key, rebuilt');
    const purposes = page.getByRole('group', { name: 'Purposes' });
    await purposes.getByText('Encrypt', { exact: true }).click();
    await purposes.getByText('Decrypt', { exact: true }).click();
    await page.getByLabel('Owner (a registered person)').fill('Alice');
    await assign(page, /^Administrators/, 'Alice');
    await assign(page, /^Custodians/, 'Carol');
    await assign(page, /^Custodians/, 'Erin');
    await assign(page, /^Witnesses/, 'Wendy');
    await choose(page, 'Key that signs the transcript', /Ceremony key/);
    await step('recombine-form');
    await page.getByRole('button', { name: 'Open the ceremony' }).click();
    await page.getByRole('heading', { name: 'Recombine a key from shares', level: 1 }).waitFor();

    const acted = await runTurns(page, 'recombine', shares);
    expect(acted.filter((n) => n === 'Carol' || n === 'Erin')).toHaveLength(6);
    await step('recombine-complete');

    // The rebuilt key is in the inventory, with the check value the split recorded.
    const results = page.getByRole('region', { name: 'What the vault did' });
    expect(await results.textContent()).toContain(splitKcv);
    const id = /#\/ceremonies\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    const found = await page.evaluate(async (ceremony) => {
      const api = (globalThis as unknown as { keywarden: KeywardenApi }).keywarden;
      const [keys, view] = await Promise.all([
        api.keys.list({}),
        api.ceremony.show({ id: ceremony }),
      ]);
      return { keys: keys.ok ? keys.value : [], view: view.ok ? view.value : null };
    }, id);
    const entry = found.view!.entries.find((e) => e.event === 'action')!;
    expect(entry.detail.kcv).toBe(splitKcv);
    const rebuilt = found.keys.find((k) => k.id === entry.detail.key);
    expect(rebuilt?.name).toBe('Payments key, rebuilt');
    expect(rebuilt?.algorithm).toBe(seeded.secret.algorithm);
    expect(rebuilt?.id).not.toBe(seeded.secret.id);
    const combine = page.locator('.cer-step', { hasText: 'Present the shares' });
    expect(await combine.textContent()).toContain('2 of 2 custodians');
    expect(await combine.textContent()).toContain('Done: Carol, Erin');
    await results
      .getByRole('link', { name: `Open the key ${rebuilt!.id} in the inventory` })
      .waitFor();
    expect(await page.content()).not.toContain(shares.Carol.slice(0, 60));
  }, 180_000);

  it('resumes a ceremony in a new session, and its administrator aborts it with a reason', async () => {
    const { page } = ui;
    const view = await page.evaluate(async (signer) => {
      const api = (globalThis as unknown as { keywarden: KeywardenApi }).keywarden;
      const reply = await api.ceremony.start({
        template: 'rotate-key',
        parameters: { key: 'unused' },
        participants: [
          { name: 'Alice', role: 'administrator' },
          { name: 'Wendy', role: 'witness' },
        ],
        signingKey: signer,
      });
      return reply;
    }, seeded.signer.id);
    // A key that is not there is refused when the ceremony opens.
    expect(view.ok).toBe(false);

    const opened = await page.evaluate(
      async ({ signer, key }) => {
        const api = (globalThis as unknown as { keywarden: KeywardenApi }).keywarden;
        const reply = await api.ceremony.start({
          template: 'rotate-key',
          parameters: { key },
          participants: [
            { name: 'Alice', role: 'administrator' },
            { name: 'Wendy', role: 'witness' },
          ],
          signingKey: signer,
        });
        return reply.ok ? reply.value.id : '';
      },
      { signer: seeded.signer.id, key: seeded.secret.id },
    );
    // Opened elsewhere (another session): the wizard asks to take it up first.
    await goTo(page, `#/ceremonies/${opened}`);
    await page.getByRole('heading', { name: 'Resume this ceremony' }).waitFor();
    await step('rotate-resume');
    await page.getByRole('button', { name: 'Resume the ceremony' }).click();
    await page.getByRole('heading', { name: 'Hand the screen to Alice' }).waitFor();

    await page.getByRole('button', { name: 'Abort the ceremony…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Abort the ceremony' });
    await dialog.getByLabel('Why is it aborted?').fill('The witness was called away.');
    await dialog.getByLabel('Alice’s presence passphrase').fill(PRESENCE.Alice!);
    await step('rotate-abort-dialog');
    await dialog.getByRole('button', { name: 'Abort', exact: true }).click();
    await page.getByRole('heading', { name: 'The ceremony was aborted' }).waitFor();
    expect(await page.getByText('The witness was called away.').count()).toBeGreaterThan(0);
    const transcript = page.getByRole('region', { name: 'Transcript', exact: true });
    expect(await transcript.textContent()).toContain('the ceremony was resumed');
    expect(await transcript.textContent()).toContain('Alice aborted the ceremony');
    await step('rotate-aborted');

    await page.getByRole('link', { name: 'All ceremonies' }).click();
    const rows = page.locator('.cer-list tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.first().textContent()).toContain('Aborted');
    await step('list');
  }, 60_000);

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
