import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps, realTokens } from '../../electron/services/runtime.ts';
import { CHANNELS, events } from '../../electron/shared/contract.ts';
import type { EventName } from '../../electron/shared/contract.ts';
import { hidModelsAccess, writeHidModels } from '../helpers/hid-models.fixture.ts';
import { IpcRecorder } from '../helpers/ipc-recorder.ts';
import { startKeyring } from '../helpers/keyring.fixture.ts';
import type { KeyringSession } from '../helpers/keyring.fixture.ts';
import { describeFinding, printable, scanForSecrets, SecretBook } from '../helpers/secret-scan.ts';
import type { Recorded, Secret } from '../helpers/secret-scan.ts';
import { ERROR_ONLY_CHANNELS } from '../helpers/secret-scenario.ts';
import type { ScenarioContext } from '../helpers/secret-scenario.ts';
import { ceremonies } from '../helpers/secret-scenario-ceremonies.ts';
import { importedAndGeneratedKeys } from '../helpers/secret-scenario-keys.ts';
import { lockedAtLast, tokensAndApp, vaultAndSlots } from '../helpers/secret-scenario-vault.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// No response on any channel ever carries a secret. Secrets are seeded (passphrases, PINs,
// presence passphrases, the recovery key, the keychain slot secret, private keys imported or
// learnt through an encrypted export, AES keys, shares and components the ceremony channels
// write to files); every channel of the contract is called through main's IPC registration with
// the real services behind it; and every reply (ok or error), every pushed event and every
// clipboard write is scanned for every secret in every encoding. The scanner is shown to find
// each secret planted in each encoding, so a clean scan means something.

let keyring: KeyringSession;
let hsm: SoftHsm;
let dir: TempDir;
let services: KeywardenServices;
let context: ScenarioContext;

beforeAll(async () => {
  // Before anything loads the keychain binding: it keeps the first bus it connects to.
  keyring = await startKeyring();
  hsm = startSoftHsm({ tokens: 0 });
  dir = tempDir('keywarden-no-secrets-');
  const book = new SecretBook();
  const pin = book.addText('token user PIN', 'user-pin-first-9e4b');
  const soPin = book.addText('token SO PIN', 'so-pin-of-token-d27f');
  const token = hsm.addToken('kw-nosecret-1', { pin: pin.text!, soPin: soPin.text! });
  const rpc = new IpcRecorder(
    (channel, request) => services.invoke(channel, request),
    (text) => printable(text, book.all),
  );
  // A YubiKey model stands in for the HID token (none can be plugged in here): its slot waits
  // for a touch, so the scenario hears token:activity, and its HMAC secret is scanned for.
  const yubiKeySecret = book.addBytes('YubiKey HMAC secret', randomBytes(20));
  const hidFile = dir.file('hid-models.json');
  writeHidModels(hidFile, {
    yubiKey: {
      slots: {
        '2': { secret: Buffer.from(yubiKeySecret.bytes).toString('hex'), requireTouch: true },
      },
      touchAfterMs: 50,
    },
  });
  services = new KeywardenServices({
    deps: { ...realDeps(), hid: hidModelsAccess(hidFile) },
    actor: 'Alice',
    onEvent: rpc.onEvent,
    openTokens: realTokens([SOFTHSM_MODULE]),
    watchTokens: true,
    clipboard: rpc.clipboard,
    // The printer gets the PDF's path only; what reaches the page is the reply, scanned.
    printer: { openPdf: async () => undefined },
    settingsPath: dir.file('settings.json'),
    defaultVaultPath: dir.file('vault.kw'),
  });
  context = {
    rpc,
    book,
    services,
    dir,
    keyring,
    path: dir.file('vault.kw'),
    token,
    // Typed with a composed "é", so its NFC and NFD forms differ.
    passphrase: book.addText('vault passphrase', 'the vault passphrase, Ærøskøbing é 3f1c'),
    pin,
    keys: new Map(),
    files: [],
  };
  await vaultAndSlots(context);
  await importedAndGeneratedKeys(context);
  await ceremonies(context);
  await tokensAndApp(context);
  await lockedAtLast(context);
}, 120_000);

afterAll(async () => {
  await services?.dispose();
  hsm?.cleanup();
  await keyring?.stop();
  dir?.cleanup();
});

describe('the scenario', () => {
  it('calls every channel, each answering ok but for those that can only fail here', () => {
    const { outcomes } = context.rpc;
    expect(CHANNELS.filter((channel) => !outcomes.has(channel))).toEqual([]);
    expect(CHANNELS.filter((channel) => outcomes.get(channel)!.ok === 0).sort()).toEqual(
      Object.keys(ERROR_ONLY_CHANNELS).sort(),
    );
    // Wrong passphrases and PINs were offered: error replies are scanned too.
    const errors = [...outcomes.values()].flatMap((outcome) => outcome.errors);
    expect(errors).toEqual(
      expect.arrayContaining(['PASSPHRASE_INCORRECT', 'PIN_INCORRECT', 'VAULT_LOCKED']),
    );
  });

  it('records every kind of event and a clipboard write', () => {
    const names = Object.keys(events) as EventName[];
    expect(names.filter((name) => context.rpc.events(name).length === 0)).toEqual([]);
    expect(context.rpc.recorded.filter((r) => r.source.startsWith('clipboard write'))).toHaveLength(
      1,
    );
  });

  it('seeds every kind of secret the channels take or make', () => {
    const names = context.book.all.map((secret) => secret.name).join('\n');
    for (const kind of [
      /^vault passphrase$/m,
      /^second vault passphrase$/m,
      /^export passphrase$/m,
      /^presence passphrase of Carol$/m,
      /^token SO PIN$/m,
      /^changed token PIN$/m,
      /^SO PIN given in a ceremony$/m,
      /^recovery key secret$/m,
      /^keychain slot secret$/m,
      /^imported rsa2048 private d$/m,
      /^imported p256 PKCS#8 DER$/m,
      /^generated ed25519 signer private d$/m,
      /^imported AES key$/m,
      /^file share .*\.share value bytes$/m,
      /^slip39 share /m,
      /^ceremony share .*\.share value bytes$/m,
      /^component .*\.component value bytes$/m,
      /^generated zone master key$/m,
    ])
      expect(names).toMatch(kind);
  });
});

describe('what crossed the boundary', () => {
  it('holds no secret in any reply, event, clipboard write or transcript, in any encoding', () => {
    const recorded = [...context.rpc.recorded, ...context.files];
    const scan = scanForSecrets(recorded, context.book.all);
    expect(scan.findings.map(describeFinding)).toEqual([]);
    // Not vacuous: the scan walked what the channels said.
    expect(recorded.length).toBeGreaterThan(CHANNELS.length);
    expect(scan.strings).toBeGreaterThan(1000);
    // The signatures: RSA-2048's alone is 256 bytes.
    expect(scan.bytes).toBeGreaterThan(256);
  });
});

interface Leak {
  /** The form the scanner should name, and how it should say it found it. */
  form: string;
  how: '' | ', split by whitespace' | ', in bytes';
  path: string;
  value: unknown;
}

/** A leak of `secret` in each encoding, where in a fake reply (or event) it sits. */
function leaksOf(secret: Secret): Leak[] {
  const around = (bytes: Buffer, before: number) =>
    Buffer.concat([randomBytes(before), bytes, randomBytes(5)]);
  const at = '$.value.keys[1].note';
  const inReply = (form: string, leak: unknown, how: Leak['how'] = ''): Leak => ({
    form,
    how,
    path: at,
    value: { ok: true, value: { keys: [{ id: 'k1' }, { note: leak }] } },
  });
  const hex = secret.bytes.toString('hex');
  const leaks: Leak[] = [
    inReply('raw bytes', around(secret.bytes, 7)),
    inReply('hex', `id ${around(secret.bytes, 3).toString('hex')}`),
    {
      form: 'HEX',
      how: '',
      path: '$.error.message',
      value: { ok: false, error: { code: 'X', message: `no ${hex.toUpperCase()}` } },
    },
    // Hex and base64 in groups of four, as a share sheet prints a value: any secret spans a gap.
    inReply('hex', hex.replace(/(.{4})/g, '$1 '), ', split by whitespace'),
    inReply(
      'base64',
      around(secret.bytes, 1)
        .toString('base64')
        .replace(/(.{4})/g, '$1\n'),
      ', split by whitespace',
    ),
    // Base64 text inside a byte array (a file's bytes sent back).
    inReply('base64', Buffer.from(around(secret.bytes, 2).toString('base64')), ', in bytes'),
  ];
  for (const before of [0, 1, 2]) {
    const blob = around(secret.bytes, before);
    leaks.push(inReply('base64', blob.toString('base64')));
    leaks.push(inReply('base64url', blob.toString('base64url')));
  }
  if (secret.everyPartSecret && secret.bytes.length >= 30) {
    // 24 bytes from inside the key material, not starting on an 8-byte step: any such run is caught.
    const part = secret.bytes.subarray(3, 27);
    leaks.push(inReply('hex of a part', `starts ${part.toString('hex')}…`));
    leaks.push(inReply('base64 of a part', around(part, 1).toString('base64')));
  }
  if (secret.text === null) return [...leaks, inReply('latin1', secret.bytes.toString('latin1'))];
  return [
    ...leaks,
    {
      form: 'utf8',
      how: '',
      path: '$.error.message',
      value: { ok: false, error: { code: 'X', message: `bad ${secret.text}` } },
    },
    {
      form: 'nfd',
      how: '',
      path: '$.payload.get("note")',
      value: { name: 'e', payload: new Map([['note', `said: ${secret.text.normalize('NFD')}`]]) },
    },
    inReply('utf16le', around(Buffer.from(secret.text, 'utf16le'), 4)),
  ];
}

/** Whether a finding's encoding names `form`, found the way `how` says. */
function names(encoding: string, form: string, how: string): boolean {
  const partOf = / of a part$/.exec(form);
  if (partOf) {
    const whole = form.slice(0, partOf.index);
    return new RegExp(`^(\\w+/)*${whole}(/\\w+)* of bytes \\d+–\\d+`).test(encoding);
  }
  return encoding.split('; ').some((part) => {
    if (!part.endsWith(how)) return false;
    const forms = part.slice(0, part.length - how.length);
    return !forms.includes(', ') && forms.split('/').includes(form);
  });
}

describe('the scanner', () => {
  it('finds each seeded secret planted in each encoding, and names it without showing it', () => {
    const missed: string[] = [];
    let planted = 0;
    for (const secret of context.book.all) {
      for (const leak of leaksOf(secret)) {
        planted += 1;
        const reply: Recorded = { source: 'reply planted:leak #1', value: leak.value };
        const { findings } = scanForSecrets([reply], [secret]);
        const found = findings.some(
          (f) => f.path === leak.path && names(f.encoding, leak.form, leak.how),
        );
        if (!found) missed.push(`${secret.name} as ${leak.form}${leak.how}`);
        for (const line of findings.map(describeFinding)) {
          expect(line).toContain(secret.name);
          expect(line.includes(secret.bytes.toString('hex'))).toBe(false);
          if (secret.text !== null) expect(line.includes(secret.text)).toBe(false);
        }
      }
    }
    expect(missed).toEqual([]);
    // Each secret in some 15 forms, key material in parts too.
    expect(planted).toBeGreaterThan(context.book.all.length * 14);
  });

  it('withholds an error message that holds a secret, for a failure to print', () => {
    const pin = context.book.get('token user PIN');
    expect(printable(`PIN ${pin.text!} refused`, context.book.all)).toBe(
      '[withheld: it holds token user PIN (as utf8/nfc/nfd)]',
    );
    expect(printable('PIN refused', context.book.all)).toBe('PIN refused');
  });

  it('finds nothing where no secret is', () => {
    const unrelated: Recorded = {
      source: 'reply planted:clean #1',
      value: {
        ok: true,
        value: { text: randomBytes(64).toString('base64'), bytes: randomBytes(4096) },
      },
    };
    expect(scanForSecrets([unrelated], context.book.all).findings).toEqual([]);
  });
});
