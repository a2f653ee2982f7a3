import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import { updateKey } from '../../electron/core/inventory/key-edits.ts';
import { listKeys, showKey, transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Edits of a key's entry pass the rules a new key does, record old and new values, and a
// refused edit changes nothing.

let dir: TempDir;
let vault: UnlockedVault;
let key: KeyView;
const now = new Date('2026-11-22T12:00:00Z');
const code = (c: string) => expect.objectContaining({ code: c });

beforeAll(async () => {
  dir = tempDir('keywarden-edits-');
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
  const [alice, bob] = registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['custodian']],
    ['Carol', ['auditor']],
  ]);
  key = await generateKey(
    vault,
    'Alice',
    { name: 'payments', algorithm: 'aes256', purposes: ['encrypt'], owner: 'Alice' },
    now,
  );
  expect([alice?.name, bob?.name]).toEqual(['Alice', 'Bob']);
});
afterAll(() => {
  vault.lock('tester');
  dir.cleanup();
});

describe('updateKey', () => {
  it('records each changed field with its old and new value, by whom and why', () => {
    const updated = updateKey(
      vault,
      'Alice',
      key.id,
      { owner: 'Bob', custodians: ['Alice'], tier: 2, notes: 'moved to the payments team' },
      'reorganisation',
      now,
    );
    const change = updated.changes.at(-1);
    expect(change).toMatchObject({ by: 'Alice', reason: 'reorganisation', at: now.toISOString() });
    expect(change?.fields.owner).toEqual({ from: key.owner, to: updated.owner });
    expect(change?.fields.tier).toEqual({ from: 3, to: 2 });
    expect(Object.keys(change?.fields ?? {}).sort()).toEqual([
      'custodians',
      'notes',
      'owner',
      'tier',
    ]);
    expect(showKey(vault, key.id)).toEqual(updated);
  });

  it.each([
    [{ custodians: [] }, 'SEPARATION_OF_DUTIES'], // tier 2 with only its owner as custodian
    [{ tier: 1 }, 'POLICY_VIOLATION'], // tier 1 never whole in the vault
    [{ owner: 'Mallory' }, 'PERSON_NOT_FOUND'],
    [{ name: '   ' }, 'BAD_REQUEST'],
    [{ tier: 7 }, 'BAD_REQUEST'],
    [{}, 'BAD_REQUEST'], // changes nothing
  ])('refuses %j with %s and changes nothing', (update, expected) => {
    const before = showKey(vault, key.id);
    expect(() => updateKey(vault, 'Alice', key.id, update, 'try', now)).toThrow(code(expected));
    expect(showKey(vault, key.id)).toEqual(before);
  });

  it('refuses an auditor, an empty reason and an unknown key', () => {
    expect(() => updateKey(vault, 'Carol', key.id, { notes: 'x' }, 'audit', now)).toThrow(
      code('SEPARATION_OF_DUTIES'),
    );
    expect(() => updateKey(vault, 'Alice', key.id, { notes: 'x' }, ' ', now)).toThrow(
      code('BAD_REQUEST'),
    );
    expect(() => updateKey(vault, 'Alice', 'k-0000', { notes: 'x' }, 'why', now)).toThrow(
      code('KEY_NOT_FOUND'),
    );
  });
});

describe('due within N days', () => {
  it('counts a key in use by its originator end and a retired one by its recipient end', async () => {
    const dek = await generateKey(
      vault,
      'Alice',
      { name: 'due-dek', algorithm: 'aes256', purposes: ['encrypt', 'decrypt'], owner: 'Alice' },
      now,
    );
    const originatorEnd = Date.parse(dek.cryptoPeriod.originatorUsageEnd ?? '');
    const recipientEnd = Date.parse(dek.cryptoPeriod.recipientUsageEnd);
    expect(recipientEnd).toBeGreaterThan(originatorEnd); // data encryption: originator + 3 years
    const day = 86_400_000;
    const dueAt = (at: number, days: number) =>
      listKeys(vault, { dueWithinDays: days }, new Date(at)).some((k) => k.id === dek.id);
    expect(dueAt(originatorEnd - 10 * day, 9)).toBe(false);
    expect(dueAt(originatorEnd - 10 * day, 10)).toBe(true);
    transitionKey(vault, 'Alice', dek.id, 'deactivated', 'retired', now);
    // Retired, it only processes: due when it may no longer do that either.
    expect(dueAt(originatorEnd - 10 * day, 10)).toBe(false);
    expect(dueAt(recipientEnd - 10 * day, 10)).toBe(true);
  });
});
