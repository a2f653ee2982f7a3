import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeywarden } from '../helpers/cli.ts';
import { startKeyring } from '../helpers/keyring.fixture.ts';
import type { KeyringSession } from '../helpers/keyring.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// `keywarden keychain add`, `--keychain`, `slots list` and `slots remove` as a user runs them,
// each in a child process that reaches a real gnome-keyring on a private session bus; and the
// same commands with no Secret Service at all (a bus address that leads nowhere).

const PASS = 'keychain cli passphrase';
const FAST = ['--kdf-memory-mib', '19', '--kdf-iterations', '2', '--kdf-parallelism', '1'];

let keyring: KeyringSession;
let dir: TempDir;

beforeAll(async () => {
  keyring = await startKeyring();
  dir = tempDir('keywarden-keychain-cli-');
});
afterAll(async () => {
  await keyring?.stop();
  dir?.cleanup();
});

const noSecretService = () => ({
  ...process.env,
  DBUS_SESSION_BUS_ADDRESS: `unix:path=${dir.file('no-bus-here')}`,
});

function expectOneErrorLine(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error \\[${code}\\]: .+`));
}

async function initVault(name: string): Promise<string> {
  const vault = dir.file(name);
  const init = await runKeywarden(['init', '--vault', vault, '--passphrase-stdin', ...FAST], {
    stdin: `${PASS}\n`,
  });
  expect(init.code).toBe(0);
  return vault;
}

async function addKeychainSlot(vault: string): Promise<number> {
  const added = await runKeywarden(
    ['keychain', 'add', '--vault', vault, '--passphrase-stdin', '--json'],
    { stdin: `${PASS}\n` },
  );
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  const result = JSON.parse(added.stdout) as { slotId: number; sealer: string };
  expect(result.sealer).toBe('os-keyring');
  return result.slotId;
}

async function slotKinds(vault: string): Promise<string[]> {
  const listed = await runKeywarden(['slots', 'list', '--vault', vault, '--json']);
  expect(listed.code).toBe(0);
  return (JSON.parse(listed.stdout) as Array<{ kind: string }>).map((slot) => slot.kind);
}

function keyringRef(vault: string): { service: string; account: string } {
  const db = new Database(vault, { readonly: true });
  try {
    const row = db.prepare("SELECT params FROM unlock_slots WHERE kind = 'keychain'").get() as {
      params: string;
    };
    return (JSON.parse(row.params) as { ref: { service: string; account: string } }).ref;
  } finally {
    db.close();
  }
}

/** The latest audit entry of `action` (every command ends with its own vault.lock). */
async function lastAuditEntry(vault: string, action: string) {
  const listed = await runKeywarden(['audit', 'list', '--vault', vault, '--json']);
  const entries = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  return entries.filter((entry) => entry.action === action).at(-1);
}

describe('keywarden keychain add / --keychain (real gnome-keyring)', () => {
  it('adds a slot that alone unlocks the vault, keeping the secret in the keyring only', async () => {
    const vault = await initVault('cli.kw');
    expect(await addKeychainSlot(vault)).toBe(2);
    expect(await slotKinds(vault)).toEqual(['passphrase', 'keychain']);
    const listed = await runKeywarden(['slots', 'list', '--vault', vault]);
    expect(listed.stdout).toMatch(/#2 keychain \(os-keyring\), added /);

    const { service, account } = keyringRef(vault);
    const secret = keyring.lookup(service, account);
    expect(secret?.length).toBe(32);
    const files = [vault, `${vault}-wal`].filter((file) => existsSync(file));
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    expect(bytes.includes(secret!)).toBe(false);
    expect(bytes.includes(Buffer.from(secret!.toString('base64')))).toBe(false);

    const status = await runKeywarden(['status', '--vault', vault, '--keychain', '--json']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ locked: false });
    expect(await lastAuditEntry(vault, 'vault.unlock')).toMatchObject({
      outcome: 'success',
      detail: { factor: 'keychain', slot: 2 },
    });
  });

  it('with no Secret Service: KEYCHAIN_UNAVAILABLE saying what to install, audited; the passphrase still works', async () => {
    const vault = await initVault('no-bus.kw');
    await addKeychainSlot(vault);
    const env = noSecretService();

    const status = await runKeywarden(['status', '--vault', vault, '--keychain'], { env });
    expect(status.code).toBe(5);
    expectOneErrorLine(status.stderr, 'KEYCHAIN_UNAVAILABLE');
    expect(status.stderr).toMatch(/gnome-keyring/);
    expect(status.stderr).toMatch(/KeePassXC/);
    expect(await lastAuditEntry(vault, 'vault.unlock')).toMatchObject({
      outcome: 'failure',
      detail: { factor: 'keychain', error: 'KEYCHAIN_UNAVAILABLE' },
    });

    const add = await runKeywarden(['keychain', 'add', '--vault', vault, '--passphrase-stdin'], {
      env,
      stdin: `${PASS}\n`,
    });
    expect(add.code).toBe(5);
    expectOneErrorLine(add.stderr, 'KEYCHAIN_UNAVAILABLE');
    expect(await slotKinds(vault)).toEqual(['passphrase', 'keychain']);
    expect(await lastAuditEntry(vault, 'keychain.add')).toMatchObject({
      outcome: 'failure',
      detail: { error: 'KEYCHAIN_UNAVAILABLE' },
    });

    const byPassphrase = await runKeywarden(['status', '--vault', vault, '--passphrase-stdin'], {
      env,
      stdin: `${PASS}\n`,
    });
    expect(byPassphrase.stderr).toBe('');
    expect(byPassphrase.code).toBe(0);
  });

  it('a deleted keyring item: KEYCHAIN_SECRET_MISSING (exit 3), slots unchanged, the passphrase opens', async () => {
    const vault = await initVault('deleted.kw');
    await addKeychainSlot(vault);
    const { service, account } = keyringRef(vault);
    keyring.clear(service, account);

    const status = await runKeywarden(['status', '--vault', vault, '--keychain']);
    expect(status.code).toBe(3);
    expectOneErrorLine(status.stderr, 'KEYCHAIN_SECRET_MISSING');
    expect(await slotKinds(vault)).toEqual(['passphrase', 'keychain']);
    const byPassphrase = await runKeywarden(['status', '--vault', vault, '--passphrase-stdin'], {
      stdin: `${PASS}\n`,
    });
    expect(byPassphrase.code).toBe(0);
  });
});

describe('keywarden slots remove', () => {
  it('removes the keychain slot and its keyring item; --keychain then finds no slot', async () => {
    const vault = await initVault('remove.kw');
    await addKeychainSlot(vault);
    const { service, account } = keyringRef(vault);

    const removed = await runKeywarden(
      ['slots', 'remove', '--vault', vault, '--slot', '2', '--passphrase-stdin'],
      { stdin: `${PASS}\n` },
    );
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(
      /Removed unlock slot #2 \(keychain\).*keychain item was deleted/,
    );
    expect(keyring.lookup(service, account)).toBeNull();
    expect(await slotKinds(vault)).toEqual(['passphrase']);

    const status = await runKeywarden(['status', '--vault', vault, '--keychain']);
    expect(status.code).toBe(3);
    expectOneErrorLine(status.stderr, 'SLOT_NOT_FOUND');
  });

  it('a vault kept by the keychain alone: the passphrase slot goes, the last slot stays', async () => {
    const vault = await initVault('keychain-only.kw');
    await addKeychainSlot(vault);
    const dropPassphrase = await runKeywarden([
      'slots',
      'remove',
      '--vault',
      vault,
      '--slot',
      '1',
      '--keychain',
    ]);
    expect(dropPassphrase.code).toBe(0);
    expect(await slotKinds(vault)).toEqual(['keychain']);

    const last = await runKeywarden([
      'slots',
      'remove',
      '--vault',
      vault,
      '--slot',
      '2',
      '--keychain',
    ]);
    expect(last.code).toBe(2);
    expectOneErrorLine(last.stderr, 'SLOT_LAST_REMAINING');
    expect(await slotKinds(vault)).toEqual(['keychain']);
    const status = await runKeywarden(['status', '--vault', vault, '--keychain']);
    expect(status.code).toBe(0);
    expect(keyring.lookup(keyringRef(vault).service, keyringRef(vault).account)?.length).toBe(32);
  });

  it('needs --slot', async () => {
    const result = await runKeywarden(['slots', 'remove', '--vault', dir.file('remove.kw')]);
    expect(result.code).toBe(2);
    expectOneErrorLine(result.stderr, 'USAGE');
  });
});
