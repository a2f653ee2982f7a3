import Database from 'better-sqlite3';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cancelDestruction, destroyKey } from '../../electron/core/inventory/key-destruction.ts';
import { listKeys, showKey, transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import { signWithKey, verifyWithKey } from '../../electron/core/inventory/key-operations.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, TEST_PASSPHRASE, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Destruction: two people, a pending window that can be cancelled, and a record that
// outlives the key material, which is gone from the file once the key is destroyed.

let dir: TempDir;
let path: string;
let vault: UnlockedVault;
const day = 86_400_000;
const t0 = new Date('2026-06-01T00:00:00.000Z');
const after = (days: number) => new Date(t0.getTime() + days * day);
const parties = { authorisedBy: 'Alice', witness: 'Walt' };

beforeEach(async () => {
  dir = tempDir('keywarden-destroy-');
  path = dir.file('v.kw');
  await makeVault(path);
  vault = await unlockVault(path);
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['custodian', 'engineer']],
    ['Walt', ['witness']],
    ['Audrey', ['auditor', 'witness']],
  ]);
});
afterEach(() => {
  if (!vault.locked) vault.lock('tester');
  dir.cleanup();
});

async function deactivatedKey(): Promise<KeyView> {
  const key = await generateKey(
    vault,
    'Bob',
    { name: 'old signing key', algorithm: 'p256', purposes: ['sign', 'verify'], owner: 'Bob' },
    t0,
  );
  transitionKey(vault, 'Bob', key.id, 'deactivated', 'superseded', t0);
  return key;
}

describe('scheduling', () => {
  it('needs a deactivated key, two different people, and a 7-30 day window', async () => {
    const active = await generateKey(
      vault,
      'Bob',
      { name: 'live', algorithm: 'ed25519', purposes: ['sign'], owner: 'Bob' },
      t0,
    );
    expect(() => destroyKey(vault, 'Bob', active.id, parties, t0)).toThrow(
      expect.objectContaining({
        code: 'KEY_STATE_INVALID',
        message: expect.stringContaining('deactivate it first'),
      }),
    );
    const key = await deactivatedKey();
    expect(() =>
      destroyKey(vault, 'Bob', key.id, { authorisedBy: 'Alice', witness: 'Alice' }, t0),
    ).toThrow(expect.objectContaining({ code: 'SEPARATION_OF_DUTIES' }));
    expect(() =>
      destroyKey(vault, 'Bob', key.id, { authorisedBy: 'Audrey', witness: 'Walt' }, t0),
    ).toThrow(expect.objectContaining({ code: 'SEPARATION_OF_DUTIES' }));
    expect(() => destroyKey(vault, 'Walt', key.id, parties, t0)).toThrow(
      /cannot witness a destruction they carry out/,
    );
    expect(() =>
      destroyKey(vault, 'Bob', key.id, { authorisedBy: 'Alice', witness: 'Nobody' }, t0),
    ).toThrow(expect.objectContaining({ code: 'PERSON_NOT_FOUND' }));
    for (const afterDays of [6, 31, 7.5]) {
      expect(() => destroyKey(vault, 'Bob', key.id, { ...parties, afterDays }, t0)).toThrow(
        expect.objectContaining({ code: 'BAD_REQUEST' }),
      );
    }
    expect(showKey(vault, key.id).state).toBe('deactivated');
    const scheduled = destroyKey(vault, 'Bob', key.id, parties, t0);
    expect(scheduled.state).toBe('destruction-pending');
    expect(scheduled.destruction?.notBefore).toBe(after(30).toISOString());
  });

  it('can be cancelled within the window, with the key material intact', async () => {
    const key = await deactivatedKey();
    destroyKey(vault, 'Bob', key.id, { ...parties, afterDays: 7 }, t0);
    expect(() => destroyKey(vault, 'Bob', key.id, parties, after(6))).toThrow(
      /destruction-pending until 2026-06-08/,
    );
    const back = cancelDestruction(vault, 'Bob', key.id, after(3));
    expect(back.state).toBe('deactivated');
    expect(back.destruction).toBeUndefined();
    expect(vault.readRecordBody('Bob', 'keys', key.id).length).toBeGreaterThan(0);
    // Still verifiable (public key kept); an empty signature simply does not verify.
    expect(verifyWithKey(vault, 'Bob', key.id, Buffer.from('m'), Buffer.alloc(0))).toBe(false);
    expect(() => cancelDestruction(vault, 'Bob', key.id, after(4))).toThrow(
      expect.objectContaining({ code: 'KEY_STATE_INVALID' }),
    );
  });
});

describe('carrying it out', () => {
  it('after the window: the material is gone from the file, the record stays', async () => {
    const key = await deactivatedKey();
    const raw = new Database(path, { readonly: true });
    const before = raw
      .prepare('SELECT body_ct, wrapped_dek FROM records WHERE record_id = ?')
      .get(key.id) as {
      body_ct: Buffer;
      wrapped_dek: Buffer;
    };
    raw.close();
    destroyKey(vault, 'Bob', key.id, { ...parties, afterDays: 10 }, t0);
    expect(() =>
      destroyKey(vault, 'Bob', key.id, { authorisedBy: 'Bob', witness: 'Walt' }, after(11)),
    ).toThrow(/authorised by someone else/);
    const destroyed = destroyKey(vault, 'Bob', key.id, { ...parties, afterDays: 10 }, after(11));
    expect(destroyed.state).toBe('destroyed');
    expect(destroyed.destruction).toMatchObject({
      performedAt: after(11).toISOString(),
      method: expect.stringContaining('removed'),
    });
    expect(vault.readRecordBody('Bob', 'keys', key.id)).toHaveLength(0);
    expect(() => signWithKey(vault, 'Bob', key.id, Buffer.from('m'))).toThrow(
      expect.objectContaining({ code: 'KEY_STATE_INVALID' }),
    );
    // The destruction record outlives the material, and shows in the inventory.
    expect(listKeys(vault, { state: 'destroyed' }, after(11)).map((k) => k.id)).toEqual([key.id]);
    expect(showKey(vault, key.id).history.map((h) => h.to)).toEqual([
      'active',
      'deactivated',
      'destruction-pending',
      'destroyed',
    ]);
    // Gone at once, not only once the vault closes and its write-ahead log is folded in.
    const fileBytes = () =>
      Buffer.concat(
        readdirSync(dir.path)
          .filter((n) => n.startsWith('v.kw'))
          .map((n) => readFileSync(dir.file(n))),
      );
    expect(fileBytes().includes(before.body_ct)).toBe(false);
    vault.lock('tester');
    const bytes = Buffer.concat(
      readdirSync(dir.path)
        .filter((n) => n.startsWith('v.kw'))
        .map((n) => readFileSync(dir.file(n))),
    );
    expect(bytes.includes(before.body_ct)).toBe(false);
    expect(bytes.includes(before.wrapped_dek)).toBe(false);
  });

  it('a compromised key is destroyed at once, as destroyed-compromised', async () => {
    const key = await generateKey(
      vault,
      'Bob',
      { name: 'leaked', algorithm: 'ed25519', purposes: ['sign'], owner: 'Bob' },
      t0,
    );
    transitionKey(vault, 'Bob', key.id, 'compromised', 'found in a public repository', t0);
    const destroyed = destroyKey(vault, 'Bob', key.id, parties, t0);
    expect(destroyed.state).toBe('destroyed-compromised');
    expect(vault.readRecordBody('Bob', 'keys', key.id)).toHaveLength(0);
  });
});

describe('keywarden keys destroy', () => {
  it('schedules and cancels from the command line', async () => {
    const key = await deactivatedKey();
    vault.lock('tester');
    const passFile = dir.file('pass');
    writeFileSync(passFile, TEST_PASSPHRASE, { mode: 0o600 });
    const base = ['--vault', path, '--passphrase-file', passFile, '--actor', 'Bob'];
    const scheduled = await runKeywarden([
      'keys',
      'destroy',
      key.id,
      '--authorised-by',
      'Alice',
      '--witness',
      'Walt',
      '--after-days',
      '7',
      ...base,
    ]);
    expect(scheduled.stderr).toBe('');
    expect(scheduled.stdout).toMatch(/will be destroyable after/);
    const early = await runKeywarden([
      'keys',
      'destroy',
      key.id,
      '--authorised-by',
      'Alice',
      '--witness',
      'Walt',
      ...base,
    ]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /^error \[KEY_STATE_INVALID\]: The key is destruction-pending until/,
    );
    const cancelled = await runKeywarden(['keys', 'cancel-destroy', key.id, ...base]);
    expect(cancelled.stdout).toMatch(/deactivated again/);
    const shown = await runKeywarden(['keys', 'show', key.id, '--json', ...base]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ state: 'deactivated' });
  });
});
