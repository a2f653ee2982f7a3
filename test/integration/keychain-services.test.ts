import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { startKeyring } from '../helpers/keyring.fixture.ts';
import type { KeyringSession } from '../helpers/keyring.fixture.ts';
import { makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The OS keychain slot through the services the app and the CLI call, against a real
// gnome-keyring on a private session bus (test/helpers/keyring.fixture.ts).

interface StoredKeychainParams {
  kdf: string;
  salt: string;
  sealer: string;
  ref: { service: string; account: string };
}

let keyring: KeyringSession;
let dir: TempDir;
let services: KeywardenServices;

beforeAll(async () => {
  // Before anything loads the keychain binding: it keeps the first bus it connects to.
  keyring = await startKeyring();
  dir = tempDir('keywarden-keychain-');
  services = new KeywardenServices({ deps: realDeps(), actor: 'tester' });
});
afterAll(async () => {
  await services?.dispose();
  await keyring?.stop();
  dir?.cleanup();
});

function keychainParams(path: string): StoredKeychainParams {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare("SELECT params FROM unlock_slots WHERE kind = 'keychain'").get() as
      { params: string } | undefined;
    if (!row) throw new Error('no keychain slot');
    return JSON.parse(row.params) as StoredKeychainParams;
  } finally {
    db.close();
  }
}

/** Every byte of the vault: the file and its write-ahead log. */
function vaultBytes(path: string): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)),
  );
}

const unlockWithPassphrase = (path: string) =>
  services.invoke('vault:unlock', {
    path,
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });
const unlockWithKeychain = (path: string) =>
  services.invoke('vault:unlock', { path, factor: { kind: 'keychain' } });

/** A new vault with a passphrase slot (#1) and a keychain slot (#2); returns its path. */
async function vaultWithKeychainSlot(name: string): Promise<string> {
  const path = dir.file(name);
  await makeVault(path);
  await unlockWithPassphrase(path);
  expect(await services.invoke('vault:add-keychain-slot', {})).toEqual({
    slotId: 2,
    sealer: 'os-keyring',
  });
  await services.invoke('vault:lock', {});
  return path;
}

async function lastAuditEntry(path: string) {
  const entries = await services.invoke('audit:list', { path });
  return entries.at(-1);
}

describe('keychain slot (services, real gnome-keyring)', () => {
  it('opens the vault with the keychain alone; the secret is in the keyring and nowhere in the file', async () => {
    const path = await vaultWithKeychainSlot('opens.kw');
    const params = keychainParams(path);
    expect(Object.keys(params).sort()).toEqual(['kdf', 'ref', 'salt', 'sealer']);
    expect(Object.keys(params.ref).sort()).toEqual(['account', 'service']);
    expect(params).toMatchObject({ kdf: 'hkdf-sha256', sealer: 'os-keyring' });

    const secret = keyring.lookup(params.ref.service, params.ref.account);
    expect(secret).not.toBeNull();
    expect(secret?.length).toBe(32);
    const bytes = vaultBytes(path);
    for (const form of ['binary', 'hex', 'base64'] as const) {
      const encoded = form === 'binary' ? secret! : Buffer.from(secret!.toString(form));
      expect(bytes.includes(encoded)).toBe(false);
    }

    const header = await unlockWithKeychain(path);
    expect(header.slots.map((slot) => [slot.slotId, slot.kind, slot.sealer])).toEqual([
      [1, 'passphrase', undefined],
      [2, 'keychain', 'os-keyring'],
    ]);
    const status = await services.invoke('vault:verify', {});
    expect(status.header.slots).toHaveLength(2);
    await services.invoke('vault:lock', {});
    const unlocks = (await services.invoke('audit:list', { path })).filter(
      (entry) => entry.action === 'vault.unlock',
    );
    expect(unlocks.at(-1)).toMatchObject({
      outcome: 'success',
      detail: { factor: 'keychain', slot: 2 },
    });
  });

  it('a deleted keyring item: KEYCHAIN_SECRET_MISSING, audited, no slot changed, the passphrase still opens', async () => {
    const path = await vaultWithKeychainSlot('missing.kw');
    const { ref } = keychainParams(path);
    const before = await services.invoke('vault:read-header', { path });
    keyring.clear(ref.service, ref.account);
    expect(keyring.lookup(ref.service, ref.account)).toBeNull();

    await expect(unlockWithKeychain(path)).rejects.toMatchObject({
      code: 'KEYCHAIN_SECRET_MISSING',
    });
    expect(await lastAuditEntry(path)).toMatchObject({
      action: 'vault.unlock',
      outcome: 'failure',
      detail: { factor: 'keychain', error: 'KEYCHAIN_SECRET_MISSING' },
    });
    expect(await services.invoke('vault:read-header', { path })).toEqual(before);
    expect((await unlockWithPassphrase(path)).slots).toHaveLength(2);
    await services.invoke('vault:lock', {});
  });

  it('a replaced secret: KEYCHAIN_SECRET_INCORRECT; the original secret put back opens again', async () => {
    const path = await vaultWithKeychainSlot('replaced.kw');
    const { ref } = keychainParams(path);
    const original = keyring.lookup(ref.service, ref.account)!;
    keyring.clear(ref.service, ref.account);
    keyring.store(ref.service, ref.account, Buffer.alloc(32, 0x61));

    await expect(unlockWithKeychain(path)).rejects.toMatchObject({
      code: 'KEYCHAIN_SECRET_INCORRECT',
    });
    expect(await lastAuditEntry(path)).toMatchObject({
      outcome: 'failure',
      detail: { factor: 'keychain', error: 'KEYCHAIN_SECRET_INCORRECT' },
    });

    keyring.clear(ref.service, ref.account);
    keyring.store(ref.service, ref.account, original);
    expect((await unlockWithKeychain(path)).slots).toHaveLength(2);
    await services.invoke('vault:lock', {});
  });

  it('removing the keychain slot deletes its keyring item; the last slot is refused', async () => {
    const path = await vaultWithKeychainSlot('remove.kw');
    const { ref } = keychainParams(path);
    await unlockWithPassphrase(path);

    await expect(services.invoke('vault:remove-slot', { slotId: 7 })).rejects.toMatchObject({
      code: 'SLOT_NOT_FOUND',
    });
    expect(await services.invoke('vault:remove-slot', { slotId: 2 })).toEqual({
      slotId: 2,
      kind: 'keychain',
      keychainItemDeleted: true,
    });
    expect(keyring.lookup(ref.service, ref.account)).toBeNull();
    await expect(services.invoke('vault:remove-slot', { slotId: 1 })).rejects.toMatchObject({
      code: 'SLOT_LAST_REMAINING',
    });
    expect(await lastAuditEntry(path)).toMatchObject({
      action: 'slot.remove',
      outcome: 'failure',
      detail: { slot: 1, kind: 'passphrase', error: 'SLOT_LAST_REMAINING' },
    });
    await services.invoke('vault:lock', {});

    const header = await services.invoke('vault:read-header', { path });
    expect(header.slots.map((slot) => slot.kind)).toEqual(['passphrase']);
    await expect(unlockWithKeychain(path)).rejects.toMatchObject({ code: 'SLOT_NOT_FOUND' });
    // The header MAC was rewritten with the change: the passphrase opens and authenticates.
    expect((await unlockWithPassphrase(path)).slots).toHaveLength(1);
    await services.invoke('vault:lock', {});
  });

  it('passphrase AND keychain: both open it, one alone does not; removing it deletes the keyring item', async () => {
    const path = dir.file('combined.kw');
    await makeVault(path);
    await unlockWithPassphrase(path);
    const added = await services.invoke('vault:add-slot', {
      factors: [
        {
          kind: 'passphrase',
          passphrase: passphraseBytes('second factor passphrase'),
          kdf: { memoryMiB: 19, iterations: 2, parallelism: 1 },
        },
        { kind: 'keychain' },
      ],
    });
    expect(added).toMatchObject({
      slotId: 2,
      kind: 'combined',
      factors: ['passphrase', 'OS keychain (os-keyring)'],
    });
    const db = new Database(path, { readonly: true });
    const stored = JSON.parse(
      (db.prepare('SELECT params FROM unlock_slots WHERE slot_id = 2').get() as { params: string })
        .params,
    ) as { factors: Array<{ ref?: { service: string; account: string } }> };
    db.close();
    const ref = stored.factors[1]?.ref ?? { service: '', account: '' };
    expect(keyring.lookup(ref.service, ref.account)).toHaveLength(32);
    await services.invoke('vault:lock', {});

    const both = [
      { kind: 'passphrase', passphrase: passphraseBytes('second factor passphrase') },
      { kind: 'keychain' },
    ];
    expect((await services.invoke('vault:unlock', { path, factors: both })).slots).toHaveLength(2);
    expect(await lastAuditEntry(path)).toMatchObject({
      action: 'vault.unlock',
      detail: { factor: 'passphrase+keychain', slot: 2 },
    });
    await services.invoke('vault:lock', {});
    await expect(unlockWithKeychain(path)).rejects.toMatchObject({ code: 'FACTOR_MISSING' });

    await unlockWithPassphrase(path);
    expect(await services.invoke('vault:remove-slot', { slotId: 2 })).toEqual({
      slotId: 2,
      kind: 'combined',
      keychainItemDeleted: true,
    });
    expect(keyring.lookup(ref.service, ref.account)).toBeNull();
    // A keychain factor alone is a keychain slot, as `keychain add` makes.
    expect(await services.invoke('vault:add-slot', { factors: [{ kind: 'keychain' }] })).toEqual({
      slotId: 2,
      kind: 'keychain',
      factors: ['OS keychain (os-keyring)'],
    });
    await services.invoke('vault:lock', {});
    expect((await unlockWithKeychain(path)).slots.map((slot) => slot.kind)).toEqual([
      'passphrase',
      'keychain',
    ]);
    await services.invoke('vault:lock', {});
  });

  it('refuses to add or remove a slot while locked, and a keychain factor carrying bytes', async () => {
    await expect(services.invoke('vault:add-keychain-slot', {})).rejects.toMatchObject({
      code: 'VAULT_LOCKED',
    });
    await expect(services.invoke('vault:remove-slot', { slotId: 1 })).rejects.toMatchObject({
      code: 'VAULT_LOCKED',
    });
    await expect(
      services.invoke('vault:unlock', {
        path: dir.file('opens.kw'),
        factor: { kind: 'keychain', secret: new Uint8Array(32) },
      }),
    ).rejects.toMatchObject({ code: 'IPC_BAD_REQUEST' });
  });
});
