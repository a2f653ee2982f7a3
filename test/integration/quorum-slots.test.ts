import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openVaultFile } from '../../electron/core/vault/vault.ts';
import type { UnlockFactor, VaultDeps } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';

import {
  codeOf,
  FAST_KDF,
  makeVault,
  passphraseBytes,
  tempDir,
  unlockVault,
  unlockWith as unlockFile,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Combined and quorum slots built from passphrase factors, on real vault files: a quorum slot
// opens with every k-subset of its factors and with no (k-1)-subset; a combined slot needs every
// factor; a wrong factor, a missing one and a tampered share each get their own code.

const CUSTODIANS = [
  'alpha custodian 1',
  'bravo custodian 2',
  'charlie custodian 3',
  'delta custodian 4',
];

let dir: TempDir;
let deps: VaultDeps;

beforeAll(() => {
  dir = tempDir('keywarden-quorum-');
  deps = realDeps();
});
afterAll(() => dir.cleanup());

const phrase = (text: string): UnlockFactor => ({
  kind: 'passphrase',
  passphrase: passphraseBytes(text),
});
const enrol = (text: string) => ({
  kind: 'passphrase' as const,
  passphrase: passphraseBytes(text),
  kdf: FAST_KDF,
});

const unlockWith = (path: string, factors: UnlockFactor[]) => unlockFile(path, factors, deps);

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) =>
    subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]),
  );
}

describe('a quorum slot of passphrases', () => {
  const cases = [
    { k: 2, n: 3 },
    { k: 3, n: 4 },
  ];
  for (const { k, n } of cases) {
    it(`${k} of ${n}: every ${k}-subset opens it, no ${k - 1}-subset does`, async () => {
      const path = dir.file(`q${k}of${n}.kw`);
      await makeVault(path);
      const custodians = CUSTODIANS.slice(0, n);
      const vault = await unlockVault(path);
      const added = await vault.addSlot('tester', {
        factors: custodians.map(enrol),
        threshold: k,
        name: `${k} of ${n}`,
      });
      // A ceremony vault: the quorum is the only way in.
      await vault.removeSlot('tester', 1);
      vault.lock('tester');
      expect(added.kind).toBe('quorum');
      expect(added.threshold).toBe(k);
      expect(added.factors).toHaveLength(n);
      for (const subset of subsets(custodians, k)) {
        // Given in reverse order too: which custodian is which factor is found by trying.
        const opened = await unlockWith(path, subset.reverse().map(phrase));
        expect(opened.header().slots.find((s) => s.slotId === added.slotId)?.name).toBe(
          `${k} of ${n}`,
        );
        opened.lock('tester');
      }
      for (const subset of subsets(custodians, k - 1)) {
        expect(await codeOf(unlockWith(path, subset.map(phrase)))).toBe('QUORUM_NOT_MET');
      }
    });
  }

  it('k right and one wrong still opens; k-1 right and one wrong is QUORUM_NOT_MET naming the failure', async () => {
    const path = dir.file('q-wrong.kw');
    await makeVault(path);
    const vault = await unlockVault(path);
    await vault.addSlot('tester', { factors: CUSTODIANS.slice(0, 3).map(enrol), threshold: 2 });
    await vault.removeSlot('tester', 1);
    vault.lock('tester');
    const opened = await unlockWith(path, [
      phrase('not a custodian at all'),
      phrase(CUSTODIANS[0]!),
      phrase(CUSTODIANS[2]!),
    ]);
    opened.lock('tester');
    try {
      await unlockWith(path, [phrase('not a custodian at all'), phrase(CUSTODIANS[1]!)]);
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('QUORUM_NOT_MET');
      expect((error as Error).message).toContain('FACTOR_INCORRECT');
      expect((error as Error).message).not.toContain('not a custodian');
    }
  });

  it('a share altered in the file does not open: the quorum is not met, never a wrong key', async () => {
    const path = dir.file('q-tampered.kw');
    await makeVault(path);
    const vault = await unlockVault(path);
    const { slotId } = await vault.addSlot('tester', {
      factors: CUSTODIANS.slice(0, 3).map(enrol),
      threshold: 2,
    });
    vault.lock('tester');
    const db = new Database(path);
    const row = db.prepare('SELECT params FROM unlock_slots WHERE slot_id = ?').get(slotId) as {
      params: string;
    };
    const params = JSON.parse(row.params) as { shares: Array<{ sealed: string }> };
    const sealed = Buffer.from(params.shares[0]!.sealed, 'base64');
    sealed[0]! ^= 1;
    params.shares[0]!.sealed = sealed.toString('base64');
    db.prepare('UPDATE unlock_slots SET params = ? WHERE slot_id = ?').run(
      JSON.stringify(params),
      slotId,
    );
    db.close();
    // Custodian 1's share no longer opens; 2 and 3 still make the quorum, but the slot's
    // parameters no longer match its AAD, so the VMK does not unwrap: the header was altered.
    expect(await codeOf(unlockWith(path, [phrase(CUSTODIANS[0]!), phrase(CUSTODIANS[1]!)]))).toBe(
      'QUORUM_NOT_MET',
    );
    expect(await codeOf(unlockWith(path, [phrase(CUSTODIANS[1]!), phrase(CUSTODIANS[2]!)]))).toBe(
      'FACTOR_INCORRECT',
    );
    // The vault's own passphrase slot still opens it, and then the header MAC names the change.
    expect(await codeOf(unlockVault(path))).toBe('VAULT_HEADER_TAMPERED');
  });
});

describe('a combined slot', () => {
  it('needs every factor: one alone is FACTOR_MISSING, one wrong is FACTOR_INCORRECT', async () => {
    const path = dir.file('combined.kw');
    await makeVault(path);
    const vault = await unlockVault(path);
    const added = await vault.addSlot('tester', {
      factors: [enrol(CUSTODIANS[0]!), enrol(CUSTODIANS[1]!)],
    });
    expect(added.kind).toBe('combined');
    // The vault's first passphrase slot goes: only the combined slot is left to open it.
    await vault.removeSlot('tester', 1);
    vault.lock('tester');
    const both = await unlockWith(path, [phrase(CUSTODIANS[0]!), phrase(CUSTODIANS[1]!)]);
    both.lock('tester');
    expect(await codeOf(unlockWith(path, [phrase(CUSTODIANS[1]!), phrase(CUSTODIANS[0]!)]))).toBe(
      'FACTOR_INCORRECT',
    );
    expect(await codeOf(unlockWith(path, [phrase(CUSTODIANS[0]!)]))).toBe('FACTOR_MISSING');
    expect(
      await codeOf(unlockWith(path, [phrase(CUSTODIANS[0]!), phrase('wrong second phrase')])),
    ).toBe('FACTOR_INCORRECT');
  });
});

describe('slot changes', () => {
  it('need a fresh unlock: after the window, REAUTH_REQUIRED unless factors come along; all audited', async () => {
    const path = dir.file('reauth.kw');
    await makeVault(path);
    let now = Date.now();
    const clocked: VaultDeps = { ...deps, now: () => new Date(now) };
    const file = openVaultFile(clocked, path, 'read-write');
    const vault = await file.unlock(phrase('correct horse battery staple'), 'tester');
    now += 10 * 60_000;
    expect(await codeOf(vault.addSlot('tester', { factors: [enrol('second passphrase')] }))).toBe(
      'REAUTH_REQUIRED',
    );
    expect(
      await codeOf(vault.renameSlot('tester', 1, 'first', [phrase('wrong passphrase!')])),
    ).toBe('PASSPHRASE_INCORRECT');
    await vault.renameSlot('tester', 1, 'first', [phrase('correct horse battery staple')]);
    const added = await vault.addSlot('tester', { factors: [enrol('second passphrase')] }, [
      phrase('correct horse battery staple'),
    ]);
    expect(added.kind).toBe('passphrase');
    expect(await codeOf(vault.removeSlot('tester', added.slotId))).toBe('REAUTH_REQUIRED');
    const actions = vault.query(() => undefined);
    expect(actions).toBeUndefined();
    vault.lock('tester');
    const entries = openVaultFile(deps, path, 'read-only').listAudit();
    const seen = entries.map(
      (e) => `${e.action}:${e.outcome}${e.detail.error ? `:${String(e.detail.error)}` : ''}`,
    );
    expect(seen).toContain('slot.add:failure:REAUTH_REQUIRED');
    expect(seen).toContain('slot.rename:failure:PASSPHRASE_INCORRECT');
    expect(seen).toContain('slot.rename:success');
    expect(seen).toContain('slot.add:success');
    expect(seen).toContain('slot.remove:failure:REAUTH_REQUIRED');
    // The second passphrase opens the vault; the slot names are in the header, bound by its MAC.
    const second = await unlockWith(path, [phrase('second passphrase')]);
    expect(second.header().slots.map((s) => s.name)).toEqual(['first', undefined]);
    second.lock('tester');
  });

  it('a passphrase change replaces the passphrase slot that was opened, keeping its name', async () => {
    const path = dir.file('two-passphrases.kw');
    await makeVault(path);
    const first = await unlockVault(path);
    await first.addSlot('tester', { factors: [enrol('second passphrase')], name: 'B' });
    await first.addSlot('tester', {
      factors: [enrol('combined part one'), enrol('combined part two')],
    });
    first.lock('tester');
    const second = await unlockWith(path, [phrase('second passphrase')]);
    const slotId = await second.changePassphrase(
      'tester',
      passphraseBytes('third passphrase'),
      FAST_KDF,
    );
    second.lock('tester');
    expect(await codeOf(unlockWith(path, [phrase('second passphrase')]))).toBe(
      'PASSPHRASE_INCORRECT',
    );
    const third = await unlockWith(path, [phrase('third passphrase')]);
    expect(third.header().slots.map((s) => [s.slotId, s.kind, s.name])).toEqual([
      [1, 'passphrase', undefined],
      [3, 'combined', undefined],
      [slotId, 'passphrase', 'B'],
    ]);
    third.lock('tester');
    expect(await codeOf(unlockVault(path))).toBe('OK');
    // Opened by the combined slot: which of the two passphrase slots is meant cannot be told.
    const combined = await unlockWith(path, [
      phrase('combined part one'),
      phrase('combined part two'),
    ]);
    expect(
      await codeOf(
        combined.changePassphrase('tester', passphraseBytes('fourth passphrase'), FAST_KDF),
      ),
    ).toBe('BAD_REQUEST');
    combined.lock('tester');
  });

  it('never removes the last slot this session has seen work; offering its factors proves it', async () => {
    const path = dir.file('last-working.kw');
    await makeVault(path);
    const first = await unlockVault(path);
    await first.addSlot('tester', { factors: [enrol('second passphrase')] });
    first.lock('tester');
    // A new session, opened by slot #1: slot #2 has not been seen to work in it.
    const vault = await unlockVault(path);
    expect(await codeOf(vault.removeSlot('tester', 1))).toBe('SLOT_LAST_WORKING');
    expect(vault.header().slots).toHaveLength(2);
    expect(await codeOf(vault.removeSlot('tester', 1, [phrase('not the second one')]))).toBe(
      'PASSPHRASE_INCORRECT',
    );
    await vault.removeSlot('tester', 1, [phrase('second passphrase')]);
    expect(vault.header().slots.map((slot) => slot.slotId)).toEqual([2]);
    vault.lock('tester');
    expect(await codeOf(unlockWith(path, [phrase('second passphrase')]))).toBe('OK');
  });

  it('refuses one device twice in a slot, before asking any device', async () => {
    const path = dir.file('twice.kw');
    await makeVault(path);
    const vault = await unlockVault(path);
    const card = {
      kind: 'pkcs11' as const,
      serial: '1234',
      keyId: '01',
      pin: passphraseBytes('1234'),
    };
    for (const factors of [
      [{ kind: 'keychain' as const }, { kind: 'keychain' as const }],
      [
        { kind: 'tpm2' as const, pcrs: [] },
        { kind: 'tpm2' as const, pcrs: [7] },
      ],
      [
        { kind: 'yubikey-hmac' as const, slot: 1 as const },
        { kind: 'yubikey-hmac' as const, slot: 2 as const },
      ],
      [{ kind: 'fido2' as const }, { kind: 'fido2' as const }],
      [card, { ...card, keyId: '02' }],
    ]) {
      for (const threshold of [undefined, 2]) {
        const request = { factors, ...(threshold ? { threshold } : {}) };
        expect(await codeOf(vault.addSlot('tester', request))).toBe('BAD_REQUEST');
      }
    }
    expect(vault.header().slots).toHaveLength(1);
    vault.lock('tester');
  });

  it('a name is checked: empty, too long, control characters are BAD_REQUEST', async () => {
    const path = dir.file('names.kw');
    await makeVault(path);
    const vault = await unlockVault(path);
    for (const name of ['', ' padded', 'x'.repeat(65), 'tab\there']) {
      expect(await codeOf(vault.renameSlot('tester', 1, name))).toBe('BAD_REQUEST');
    }
    expect(await codeOf(vault.renameSlot('tester', 9, 'nine'))).toBe('SLOT_NOT_FOUND');
    expect(
      await codeOf(
        vault.addSlot('tester', {
          factors: [enrol('a'), enrol('b')].map((f, i) => ({
            ...f,
            passphrase: passphraseBytes(`phrase number ${i}`),
          })),
          threshold: 3,
        }),
      ),
    ).toBe('BAD_REQUEST');
    vault.lock('tester');
  });
});
