import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hexToPgpWords } from '../../../electron/core/ceremony/pgp-words.ts';
import type { KeywardenApi } from '../../../electron/shared/api.ts';
import type { KeyView } from '../../../electron/shared/inventory-types.ts';
import { callInPage, createVaultInUi, openUi } from '../../helpers/ui-session.ts';
import type { UiSession } from '../../helpers/ui-session.ts';
import { startSoftHsm } from '../../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../../helpers/softhsm.fixture.ts';
import { tempDir } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The key detail screen in Chromium against a real vault and a real SoftHSM2 token: people
// and keys seeded through window.keywarden, then every section checked against what the
// vault holds, and the actions driven as a person would: suspend and reactivate with a
// reason, export and copy the public key, a CSR that OpenSSL verifies, a rotation that makes
// version 2, a destruction scheduled with an authoriser and a witness and then cancelled,
// and a compromised token key destroyed on its token with the PIN.

const PASSPHRASE = 'correct horse battery staple';
const ME = userInfo().username;
let hsm: SoftHsm;
let dir: TempDir;
let ui: UiSession;
/** The page's globals the test reaches in page.evaluate (test/ is type-checked without the DOM). */
interface PageGlobals {
  keywarden: KeywardenApi;
  location: { hash: string };
  document: { documentElement: { dataset: Record<string, string> }; activeElement: unknown };
}
let ids: { vaultKey: string; tokenKey: string; serial: string };

/** A service call from the page, as the app makes it; throws with the error's code. */
const call = callInPage;

const showKey = (id: string) => call<KeyView>(ui.page, 'keys', 'show', { id });

async function openKey(id: string, name: string): Promise<void> {
  const { page } = ui;
  await page.evaluate(
    (hash) => ((globalThis as unknown as PageGlobals).location.hash = hash),
    `#/keys/${id}`,
  );
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** The dialog open now, found by its title. */
const dialog = (name: string | RegExp) => ui.page.getByRole('dialog', { name });

/** Waits for the screen's result line to say `text`. */
async function resultSays(text: string | RegExp): Promise<void> {
  await ui.page.getByRole('status').filter({ hasText: text }).first().waitFor();
}

/** Ticks a checkbox from the keyboard, as a person tabbing through the dialog would. */
async function tick(box: ReturnType<Page['getByRole']>): Promise<void> {
  await box.focus();
  await ui.page.keyboard.press('Space');
  expect(await box.isChecked()).toBe(true);
}

async function checkScreen(name: string): Promise<void> {
  await ui.screenshot(name);
  expect(await ui.seriousViolations()).toEqual([]);
}

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 1, prefix: 'kw-ui-key-' });
  dir = tempDir('keywarden-ui-key-');
  ui = await openUi({ vault: dir.file('vault.kw'), softhsmConf: hsm.conf });
  await createVaultInUi(ui.page, PASSPHRASE);
  // Tall enough that a screenshot holds the whole screen (the screen scrolls inside itself).
  await ui.page.setViewportSize({ width: 1280, height: 2300 });
  const serial = hsm.tokens[0]?.serial ?? '';
  const seeded = await ui.page.evaluate(
    async ({ me, serial }) => {
      const k = (globalThis as unknown as PageGlobals).keywarden;
      const ok = async <T>(
        reply: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>,
      ) => {
        const answer = await reply;
        if (!answer.ok) throw new Error(JSON.stringify(answer.error));
        return answer.value;
      };
      await ok(k.people.add({ name: me, roles: ['officer'] }));
      await ok(k.people.add({ name: 'Alice Officer', roles: ['officer'] }));
      await ok(k.people.add({ name: 'Bob Witness', roles: ['witness', 'custodian'] }));
      await ok(k.people.add({ name: 'Carol Custodian', roles: ['custodian'] }));
      const key = await ok(
        k.keys.generate({
          name: 'Release signing',
          algorithm: 'p256',
          purposes: ['sign', 'verify'],
          owner: 'Alice Officer',
          custodians: ['Carol Custodian'],
          tier: 3,
          labels: ['release'],
        }),
      );
      await ok(
        k.keys.update({
          id: key.id,
          reason: 'Bob takes the second copy',
          custodians: ['Carol Custodian', 'Bob Witness'],
        }),
      );
      const token = await ok(
        k.keys.generate({
          name: 'Root CA',
          algorithm: 'p256',
          purposes: ['sign'],
          owner: 'Alice Officer',
          custodians: ['Bob Witness'],
          tier: 1,
          token: { serial, pin: new TextEncoder().encode('1234') },
        }),
      );
      return { vaultKey: key.id, tokenKey: token.id };
    },
    { me: ME, serial },
  );
  ids = { ...seeded, serial };
}, 90_000);

afterAll(async () => {
  await ui?.close();
  hsm?.cleanup();
  dir?.cleanup();
});

describe('the key detail screen', () => {
  it('shows ownership, purposes, fingerprint, crypto-period, versions and history from the vault', async () => {
    const { page } = ui;
    await openKey(ids.vaultKey, 'Release signing');
    const key = await showKey(ids.vaultKey);
    const ownership = page.getByRole('region', { name: 'Ownership', exact: true });
    expect(await ownership.textContent()).toContain('OwnerAlice Officer');
    expect(await ownership.textContent()).toContain('CustodiansCarol Custodian, Bob Witness');
    const purposes = page.getByRole('list', { name: 'Purposes' }).getByRole('listitem');
    expect(await purposes.allTextContents()).toEqual(['sign', 'verify']);

    const hex = Buffer.from((key.fingerprint ?? '').replace(/^SHA256:/, ''), 'base64');
    const fingerprint = page.getByRole('region', { name: 'Fingerprint' });
    const text = (await fingerprint.textContent()) ?? '';
    expect(text).toContain(key.fingerprint);
    expect(text).toContain([...hex].map((b) => b.toString(16).padStart(2, '0')).join(':'));
    expect(text).toContain(hexToPgpWords(hex.toString('hex')).join(' '));

    const period = page.getByRole('img', { name: /Originator use from/ });
    const said = (await period.getAttribute('aria-label')) ?? '';
    const year = (iso: string | null) => String(new Date(iso ?? '').getFullYear());
    expect(said).toContain(year(key.cryptoPeriod.originatorUsageEnd));
    expect(said).toMatch(/ends in \d+ years?/);
    expect(said).toContain('Today is');

    const versions = page.getByRole('region', { name: 'Versions' }).getByRole('row');
    expect(await versions.count()).toBe(2); // the header and version 1
    const lifecycle = page.getByRole('region', { name: 'Lifecycle' });
    expect(await lifecycle.getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('Generated'),
    ]);
    const changes = page.getByRole('region', { name: 'Ownership history' });
    expect(await changes.textContent()).toContain('Bob takes the second copy');
    expect(await changes.textContent()).toContain(
      'custodians: Carol Custodian → Carol Custodian, Bob Witness',
    );
    await checkScreen('key-detail');
    await page.evaluate(
      () =>
        ((globalThis as unknown as PageGlobals).document.documentElement.dataset.theme = 'dark'),
    );
    await checkScreen('key-detail-dark');
    await page.evaluate(
      () =>
        ((globalThis as unknown as PageGlobals).document.documentElement.dataset.theme = 'light'),
    );
  });

  it('suspends with a typed reason, and reactivates from the keyboard', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Suspend' }).click();
    const suspend = dialog(/^Suspend/);
    const confirm = suspend.getByRole('button', { name: 'Suspend' });
    expect(await confirm.isDisabled()).toBe(true);
    await suspend.getByLabel('Reason').fill('Laptop sent for repair');
    await checkScreen('key-detail-suspend-dialog');
    await confirm.click();
    await resultSays('The key is now suspended.');
    expect((await showKey(ids.vaultKey)).state).toBe('suspended');
    const lifecycle = page.getByRole('region', { name: 'Lifecycle' });
    expect(await lifecycle.textContent()).toContain('Laptop sent for repair');
    await checkScreen('key-detail-suspended');

    await page.getByRole('button', { name: 'Reactivate' }).focus();
    await page.keyboard.press('Enter');
    await dialog(/^Reactivate/)
      .getByLabel('Reason')
      .waitFor();
    await page.keyboard.type('Laptop back');
    await page.keyboard.press('Enter');
    await resultSays('The key is now active.');
    expect((await showKey(ids.vaultKey)).history.at(-1)).toMatchObject({
      to: 'active',
      reason: 'Laptop back',
    });
  });

  it('exports the public key in each format and copies it', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Export public key' }).click();
    const exported = dialog(/^Public key of/);
    const pem = exported.getByRole('textbox', { name: /Public key, PEM/ });
    await pem.waitFor();
    const expected = await call<{ text: string }>(page, 'keys', 'exportPublic', {
      id: ids.vaultKey,
      format: 'pem',
    });
    expect(await pem.inputValue()).toBe(expected.text);
    await exported.getByText('OpenSSH', { exact: true }).click();
    const openssh = exported.getByRole('textbox', { name: /Public key, OpenSSH/ });
    await openssh.waitFor();
    expect(await openssh.inputValue()).toMatch(/^ecdsa-sha2-nistp256 AAAA/);
    await exported.getByRole('button', { name: 'Copy public key' }).click();
    await exported.getByText('Copied. The clipboard is cleared in 30 s.').waitFor();
    await checkScreen('key-detail-export');
    await page.keyboard.press('Escape');
    await exported.waitFor({ state: 'detached' });
  });

  it('makes a CSR that OpenSSL verifies, with the subject typed', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Make a CSR' }).click();
    const form = dialog(/^Certificate signing request/);
    await form.getByLabel('Common name').fill('release.example.org');
    await form.getByLabel('Organisation', { exact: true }).fill('Example Ltd');
    await form.getByLabel('Country (two letters)').fill('gb');
    await form.getByRole('button', { name: 'Make the CSR' }).click();
    const output = form.getByRole('textbox', { name: 'Certificate signing request (PEM)' });
    await output.waitFor();
    const pem = await output.inputValue();
    expect(pem).toMatch(
      /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+-----END CERTIFICATE REQUEST-----\n?$/,
    );
    const file = dir.file('request.csr');
    writeFileSync(file, pem);
    const subject = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-subject'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(subject).toMatch(/C\s?=\s?GB, O\s?=\s?Example Ltd, CN\s?=\s?release\.example\.org/);
    await checkScreen('key-detail-csr');
    await form.getByRole('button', { name: 'Close' }).click();
  });

  it('rotates to a new version, shown in the versions and the lifecycle', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Rotate' }).click();
    const rotate = dialog(/^Rotate/);
    await rotate.getByLabel('Reason (optional)').fill('Yearly rotation');
    await rotate.getByLabel('Days this public key stays published').fill('14');
    await rotate.getByRole('button', { name: 'Rotate to version 2' }).click();
    await resultSays(/Rotated: version 2 is k-[0-9a-f]{16}/);
    const old = await showKey(ids.vaultKey);
    expect(old.state).toBe('deactivated');
    expect(old.successor).not.toBeNull();
    const rows = page.getByRole('region', { name: 'Versions' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(2).textContent()).toContain(old.successor);
    expect(await page.getByRole('region', { name: 'Lifecycle' }).textContent()).toContain(
      'Rotated',
    );
    expect(await page.getByRole('region', { name: 'Versions' }).textContent()).toContain(
      'published for verification until',
    );
    await checkScreen('key-detail-rotated');
  });

  it('schedules destruction with an authoriser and a witness, and cancels it', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Schedule destruction' }).click();
    const schedule = dialog(/^Schedule the destruction/);
    await schedule.getByRole('button', { name: /Authorised by/ }).click();
    await page.getByRole('option', { name: /Alice Officer/ }).click();
    await schedule.getByRole('button', { name: /Witness/ }).click();
    await page.getByRole('option', { name: /Bob Witness/ }).click();
    await schedule.getByLabel('Days before it can be destroyed').fill('7');
    const submit = schedule.getByRole('button', { name: 'Schedule destruction' });
    expect(await submit.isDisabled()).toBe(true); // not yet confirmed
    await tick(schedule.getByRole('checkbox', { name: /I understand/ }));
    await checkScreen('key-detail-destroy-dialog');
    await submit.click();
    await resultSays(/Destruction scheduled/);
    const pending = await showKey(ids.vaultKey);
    expect(pending.state).toBe('destruction-pending');
    const days = (Date.parse(pending.destruction?.notBefore ?? '') - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(7);
    const lifecycle = page.getByRole('region', { name: 'Lifecycle' });
    await lifecycle.getByText('Destruction pending', { exact: true }).waitFor();
    expect(await lifecycle.textContent()).toMatch(
      /Destruction authorised byAlice OfficerWitnessBob Witness/,
    );
    await checkScreen('key-detail-destruction-pending');

    await page.getByRole('button', { name: 'Cancel destruction' }).click();
    await dialog(/^Cancel the destruction/)
      .getByRole('button', { name: 'Cancel the destruction' })
      .click();
    await resultSays('The destruction is cancelled; the key is deactivated again.');
    expect((await showKey(ids.vaultKey)).state).toBe('deactivated');
    await lifecycle.getByText('Destruction cancelled', { exact: true }).waitFor();
    await checkScreen('key-detail-destruction-cancelled');
  });

  it('marks a token key compromised and destroys it on the token with the PIN', async () => {
    const { page } = ui;
    await openKey(ids.tokenKey, 'Root CA');
    expect(await page.getByRole('button', { name: 'Make a CSR' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Mark compromised' }).click();
    const mark = dialog(/^Mark compromised/);
    await mark.getByLabel('Reason').fill('Token left unattended');
    await tick(mark.getByRole('checkbox', { name: /cannot be undone/ }));
    await mark.getByRole('button', { name: 'Mark compromised' }).click();
    await resultSays('The key is now compromised.');

    await page.getByRole('button', { name: 'Destroy now' }).click();
    const destroy = dialog(/^Destroy Root CA/);
    await destroy.getByRole('button', { name: /Authorised by/ }).click();
    await page.getByRole('option', { name: /Alice Officer/ }).click();
    await destroy.getByRole('button', { name: /Witness/ }).click();
    await page.getByRole('option', { name: /Bob Witness/ }).click();
    const pin = destroy.getByLabel(`PIN of token ${ids.serial}`);
    await pin.fill('0000');
    await tick(destroy.getByRole('checkbox', { name: /destroyed now/ }));
    await destroy.getByRole('button', { name: 'Destroy now' }).click();
    const alert = destroy.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('PIN_INCORRECT');
    expect(await pin.inputValue()).toBe(''); // a PIN is never kept after a try
    expect(
      await pin.evaluate(
        (input) => input === (globalThis as unknown as PageGlobals).document.activeElement,
      ),
    ).toBe(true);
    await checkScreen('key-detail-wrong-pin');
    await pin.fill('1234');
    await destroy.getByRole('button', { name: 'Destroy now' }).click();
    await resultSays(/destroyed \(compromised\): its material is gone/);
    const destroyed = await showKey(ids.tokenKey);
    expect(destroyed.state).toBe('destroyed-compromised');
    const objects = await page.evaluate(
      async ({ serial }) => {
        const reply = await (globalThis as unknown as PageGlobals).keywarden.tokens.objects({
          serial,
          pin: new TextEncoder().encode('1234'),
        });
        return reply.ok ? reply.value.map((o) => o.id) : [];
      },
      { serial: ids.serial },
    );
    const where = destroyed.location.kind === 'token' ? destroyed.location.ckaId : '';
    expect(objects).not.toContain(where);
    // Only its public key may still be read; nothing else is offered.
    const actions = page.getByRole('region', { name: 'Actions' }).getByRole('button');
    await expect.poll(() => actions.allTextContents()).toEqual(['Export public key']);
    await checkScreen('key-detail-destroyed');
  });

  it('showed no console error and broke no CSP rule', () => {
    expect(ui.errors).toEqual([]);
  });
});
