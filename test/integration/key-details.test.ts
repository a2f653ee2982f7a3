import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeKey, keyActions } from '../../electron/core/inventory/key-details.ts';
import { cancelDestruction, destroyKey } from '../../electron/core/inventory/key-destruction.ts';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import { transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { rotateKey } from '../../electron/core/inventory/key-rotation.ts';
import { toPgpWords } from '../../electron/core/ceremony/pgp-words.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// What the key detail view is told beyond the stored entry: the fingerprint in PGP words,
// the versions of the lineage, and the actions the lifecycle allows now. Each action it
// offers is then tried through core, so the view never offers what core would refuse.

let dir: TempDir;
let vault: UnlockedVault;
const day = 86_400_000;
const t0 = new Date('2026-06-01T00:00:00.000Z');
const after = (days: number) => new Date(t0.getTime() + days * day);

beforeEach(async () => {
  dir = tempDir('keywarden-key-details-');
  const path = dir.file('v.kw');
  await makeVault(path);
  vault = await unlockVault(path);
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['engineer']],
    ['Walt', ['witness']],
  ]);
});
afterEach(() => {
  if (!vault.locked) vault.lock('tester');
  dir.cleanup();
});

const described = (id: string, now = t0) => vault.query((records) => describeKey(records, id, now));

describe('key details', () => {
  it('gives the fingerprint in PGP words, and every version of a rotated key in order', async () => {
    const first = await generateKey(
      vault,
      'Bob',
      { name: 'release signing', algorithm: 'ed25519', purposes: ['sign', 'verify'], owner: 'Bob' },
      t0,
    );
    const shown = described(first.id);
    const bytes = Buffer.from((first.fingerprint ?? '').replace(/^SHA256:/, ''), 'base64');
    expect(bytes).toHaveLength(32);
    expect(shown.fingerprintWords).toEqual(toPgpWords(bytes));
    const { key: second } = await rotateKey(vault, 'Bob', first.id, {}, after(1));
    const { key: third } = await rotateKey(vault, 'Bob', second.id, {}, after(2));
    for (const id of [first.id, second.id, third.id]) {
      expect(described(id, after(3)).versions?.map((v) => [v.id, v.version])).toEqual([
        [first.id, 1],
        [second.id, 2],
        [third.id, 3],
      ]);
    }
    expect(described(first.id, after(3)).actions?.rotate).toBe(false);
    expect(described(third.id, after(3)).actions?.rotate).toBe(true);
  });

  it('offers, state by state, what core then accepts', async () => {
    const key = await generateKey(
      vault,
      'Bob',
      { name: 'api signing', algorithm: 'p256', purposes: ['sign', 'verify'], owner: 'Bob' },
      t0,
    );
    const active = described(key.id).actions;
    expect(active).toMatchObject({ rotate: true, destroy: null, cancelDestroy: false, csr: true });
    expect(active?.exportPublic).toBe(true);
    expect(active?.transitions).toEqual(expect.arrayContaining(['suspended', 'deactivated']));
    expect(active?.transitions).not.toContain('destruction-pending');

    transitionKey(vault, 'Bob', key.id, 'deactivated', 'superseded', t0);
    const deactivated = described(key.id).actions;
    expect([deactivated?.destroy, deactivated?.csr]).toEqual(['schedule', false]);

    destroyKey(
      vault,
      'Alice',
      key.id,
      { authorisedBy: 'Alice', witness: 'Walt', afterDays: 7 },
      t0,
    );
    const pending = described(key.id, after(1)).actions;
    expect(pending).toMatchObject({ destroy: null, cancelDestroy: true, rotate: false });
    expect(pending?.transitions).toEqual(['compromised']);
    expect(described(key.id, after(8)).actions?.destroy).toBe('carry-out');

    cancelDestruction(vault, 'Alice', key.id, after(1));
    expect(described(key.id, after(1)).actions?.destroy).toBe('schedule');
    transitionKey(vault, 'Bob', key.id, 'compromised', 'leaked', after(1));
    expect(described(key.id, after(1)).actions?.destroy).toBe('destroy-now');
    const gone = destroyKey(
      vault,
      'Alice',
      key.id,
      { authorisedBy: 'Alice', witness: 'Walt' },
      after(1),
    );
    expect(keyActions(gone, after(1))).toMatchObject({ destroy: null, rotate: false, csr: false });
  });

  it('offers no public export or CSR for a secret key', async () => {
    const aes = await generateKey(
      vault,
      'Bob',
      { name: 'data key', algorithm: 'aes256', purposes: ['encrypt', 'decrypt'], owner: 'Bob' },
      t0,
    );
    const shown = described(aes.id);
    expect(shown.fingerprintWords).toBeUndefined();
    expect(shown.actions).toMatchObject({ exportPublic: false, csr: false, rotate: true });
  });
});
