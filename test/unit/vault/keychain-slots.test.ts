import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultFile } from '../../../electron/core/vault/vault.ts';
import type { VaultDeps } from '../../../electron/core/vault/vault.ts';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';
import { realDeps } from '../../../electron/services/runtime.ts';
import type { SealedRef, Sealer } from '../../../native/keychain/sealer.ts';
import { makeVault, tempDir, unlockVault } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// The keychain slot's core logic against an in-memory keeper that implements the same Sealer
// interface as the keychain binding (the real one is tested against gnome-keyring in
// test/integration/keychain-*.test.ts).

/** A keeper holding secrets in a Map; `reachable = false` makes it fail like a missing keychain. */
function memorySealer() {
  const items = new Map<string, Buffer>();
  let next = 0;
  const unavailable = () =>
    new KeywardenError(ErrorCode.KEYCHAIN_UNAVAILABLE, 'memory keeper switched off');
  const sealer = {
    kind: 'memory',
    reachable: true,
    items,
    async seal(secret: Uint8Array): Promise<SealedRef> {
      if (!sealer.reachable) throw unavailable();
      const id = `item-${(next += 1)}`;
      items.set(id, Buffer.from(secret));
      return { id };
    },
    async unseal(ref: SealedRef): Promise<Buffer> {
      if (!sealer.reachable) throw unavailable();
      const stored = items.get(ref.id ?? '');
      if (!stored) throw new KeywardenError(ErrorCode.KEYCHAIN_SECRET_MISSING, 'gone');
      return Buffer.from(stored);
    },
    async forget(ref: SealedRef): Promise<boolean> {
      return items.delete(ref.id ?? '');
    },
  } satisfies Sealer & Record<string, unknown>;
  return sealer;
}

let dir: TempDir;
beforeAll(() => {
  dir = tempDir('keywarden-keychain-unit-');
});
afterAll(() => dir.cleanup());

async function vaultWithSlot(name: string, deps: VaultDeps): Promise<string> {
  const path = dir.file(name);
  await makeVault(path, deps);
  const vault = await unlockVault(path, undefined, deps);
  expect((await vault.addKeychainSlot('tester')).slotId).toBe(2);
  vault.lock('tester');
  return path;
}

async function unlockWithKeychain(path: string, deps: VaultDeps) {
  const file = openVaultFile(deps, path);
  try {
    const vault = await file.unlock({ kind: 'keychain' }, 'tester');
    vault.lock('tester');
    return vault;
  } catch (error) {
    file.close();
    throw error;
  }
}

describe('keychain slots', () => {
  it('hand the keeper a fresh 32-byte secret per slot and unlock with it', async () => {
    const sealer = memorySealer();
    const deps = { ...realDeps(), keychain: sealer };
    const path = await vaultWithSlot('a.kw', deps);
    const [secret] = [...sealer.items.values()];
    expect(secret?.length).toBe(32);
    await expect(unlockWithKeychain(path, deps)).resolves.toBeDefined();
  });

  it('bind the keeper reference into the AAD: a slot pointed at another item holding the same secret fails', async () => {
    const sealer = memorySealer();
    const deps = { ...realDeps(), keychain: sealer };
    const path = await vaultWithSlot('aad.kw', deps);
    const [id, secret] = [...sealer.items.entries()][0] ?? ['', Buffer.alloc(0)];
    sealer.items.set('item-copy', Buffer.from(secret));
    const db = new Database(path);
    const row = db.prepare("SELECT params FROM unlock_slots WHERE kind = 'keychain'").get() as {
      params: string;
    };
    expect(row.params).toContain(`"id":"${id}"`);
    db.prepare("UPDATE unlock_slots SET params = ? WHERE kind = 'keychain'").run(
      row.params.replace(`"id":"${id}"`, '"id":"item-copy"'),
    );
    db.close();
    await expect(unlockWithKeychain(path, deps)).rejects.toMatchObject({
      code: ErrorCode.KEYCHAIN_SECRET_INCORRECT,
    });
  });

  it('refuse a slot sealed by another keeper, and report an unreachable keeper as such', async () => {
    const sealer = memorySealer();
    const deps = { ...realDeps(), keychain: sealer };
    const path = await vaultWithSlot('other.kw', deps);
    const otherKeeper = { ...realDeps(), keychain: { ...memorySealer(), kind: 'safe-storage' } };
    await expect(unlockWithKeychain(path, otherKeeper)).rejects.toMatchObject({
      code: ErrorCode.SLOT_NOT_FOUND,
    });
    sealer.reachable = false;
    await expect(unlockWithKeychain(path, deps)).rejects.toMatchObject({
      code: ErrorCode.KEYCHAIN_UNAVAILABLE,
    });
  });

  it('add nothing when the keeper is unreachable, and audit the refusal', async () => {
    const sealer = memorySealer();
    sealer.reachable = false;
    const deps = { ...realDeps(), keychain: sealer };
    const path = dir.file('unreachable.kw');
    await makeVault(path, deps);
    const vault = await unlockVault(path, undefined, deps);
    await expect(vault.addKeychainSlot('tester')).rejects.toMatchObject({
      code: ErrorCode.KEYCHAIN_UNAVAILABLE,
    });
    expect(vault.header().slots.map((slot) => slot.kind)).toEqual(['passphrase']);
    vault.lock('tester');
    const file = openVaultFile(deps, path, 'read-only');
    const added = file.listAudit().filter((entry) => entry.action === 'keychain.add');
    file.close();
    expect(added).toMatchObject([
      { outcome: 'failure', detail: { sealer: 'memory', error: 'KEYCHAIN_UNAVAILABLE' } },
    ]);
  });
});
