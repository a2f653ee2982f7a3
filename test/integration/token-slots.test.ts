import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnlockFactor, VaultDeps } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { KeywardenServices } from '../../electron/services/services.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import {
  codeOf,
  makeVault,
  passphraseBytes,
  tempDir,
  unlockVault,
  unlockWith as unlockFile,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The PKCS#11 token slot on real SoftHSM2 tokens: the slot key is recovered only by the token's
// non-extractable key (ECDH with a P-256 key, OAEP with an RSA key); a quorum of three officers'
// tokens opens with any two; a missing token, a wrong PIN, a replaced key and an extractable key
// each get their own code, and the passphrase slot keeps working throughout.

let hsm: SoftHsm;
let layer: TokenLayer;
let deps: VaultDeps;
let dir: TempDir;
const PIN = '1234';
const pin = (text = PIN) => Buffer.from(text);
const serial = (i: number) => hsm.tokens[i]?.serial ?? '';
const keys: string[] = [];
let rsaKey = '';

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 4, prefix: 'kw-officer-' });
  layer = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 });
  deps = { ...realDeps(), tokens: () => layer };
  dir = tempDir('keywarden-token-slots-');
  for (let i = 0; i < 3; i += 1) {
    const key = await layer.generate({ module: '', serial: serial(i) }, pin(), {
      algorithm: 'p256',
      label: `officer ${i + 1} unlock`,
    });
    keys.push(key.id);
  }
  rsaKey = (
    await layer.generate({ module: '', serial: serial(0) }, pin(), {
      algorithm: 'rsa2048',
      label: 'rsa unlock',
    })
  ).id;
});
afterAll(async () => {
  await layer?.close();
  hsm?.cleanup();
  dir?.cleanup();
});

const card = (i: number, text = PIN): UnlockFactor => ({
  kind: 'pkcs11',
  serial: serial(i),
  pin: pin(text),
});
const enrolCard = (i: number, keyId = keys[i] ?? '') => ({
  kind: 'pkcs11' as const,
  serial: serial(i),
  keyId,
  pin: pin(),
});

const unlockWith = (path: string, factors: UnlockFactor[]) => unlockFile(path, factors, deps);

function storedFactor(path: string, slotId: number): Record<string, unknown> {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT params FROM unlock_slots WHERE slot_id = ?').get(slotId) as {
      params: string;
    };
    return (JSON.parse(row.params) as { factors: Array<Record<string, unknown>> }).factors[0]!;
  } finally {
    db.close();
  }
}

async function vaultWith(
  name: string,
  factors: ReturnType<typeof enrolCard>[],
  threshold?: number,
) {
  const path = dir.file(name);
  await makeVault(path, deps);
  const vault = await unlockVault(path, undefined, deps);
  const added = await vault.addSlot('tester', { factors, ...(threshold ? { threshold } : {}) });
  vault.lock('tester');
  return { path, added };
}

describe('a token slot', () => {
  it('with an EC P-256 key: ECDH, opened by the token and its PIN alone', async () => {
    const { path, added } = await vaultWith('ecdh.kw', [enrolCard(0)]);
    expect(added.kind).toBe('pkcs11');
    expect(added.factors).toEqual([`token ${serial(0)} (kw-officer-1) key ${keys[0]}`]);
    expect(storedFactor(path, added.slotId)).toMatchObject({
      mechanism: 'ecdh-p256',
      keyId: keys[0],
    });
    const vault = await unlockWith(path, [card(0)]);
    expect(vault.header().slots.map((s) => s.kind)).toEqual(['passphrase', 'pkcs11']);
    vault.lock('tester');
  });

  it('with an RSA key: OAEP (SHA-1 on SoftHSM2, which decrypts no OAEP-SHA-256)', async () => {
    const { path, added } = await vaultWith('rsa.kw', [enrolCard(0, rsaKey)]);
    expect(storedFactor(path, added.slotId)).toMatchObject({
      mechanism: 'rsa-oaep-sha1',
      keyId: rsaKey,
    });
    expect(await codeOf(unlockWith(path, [card(0)]))).toBe('OK');
  });

  it('a wrong PIN is PIN_INCORRECT; another token is SLOT_NOT_FOUND; the passphrase still opens', async () => {
    const { path } = await vaultWith('wrong.kw', [enrolCard(1)]);
    expect(await codeOf(unlockWith(path, [card(1, '9999')]))).toBe('PIN_INCORRECT');
    expect(await codeOf(unlockWith(path, [card(2)]))).toBe('SLOT_NOT_FOUND');
    expect(await codeOf(unlockVault(path, undefined, deps))).toBe('OK');
  });

  it('refuses an extractable key, and a key the token does not hold, adding no slot', async () => {
    const path = dir.file('refused.kw');
    await makeVault(path, deps);
    const extractable = await layer.generate({ module: '', serial: serial(3) }, pin(), {
      algorithm: 'p256',
      label: 'extractable',
      extractable: true,
    });
    const vault = await unlockVault(path, undefined, deps);
    expect(await codeOf(vault.addSlot('tester', { factors: [enrolCard(3, extractable.id)] }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(vault.addSlot('tester', { factors: [enrolCard(3, 'abcdef')] }))).toBe(
      'KEY_NOT_FOUND',
    );
    expect(
      await codeOf(vault.addSlot('tester', { factors: [{ ...enrolCard(0), pin: pin('0000') }] })),
    ).toBe('PIN_INCORRECT');
    expect(vault.header().slots).toHaveLength(1);
    vault.lock('tester');
  });

  it('a replaced key (same CKA_ID, new key) is FACTOR_INCORRECT, never a wrong vault key', async () => {
    const spare = await layer.generate({ module: '', serial: serial(3) }, pin(), {
      algorithm: 'p256',
      label: 'spare',
    });
    const { path } = await vaultWith('replaced.kw', [enrolCard(3, spare.id)]);
    await layer.destroyKeyObjects({ module: '', serial: serial(3) }, pin(), spare.id);
    await layer.generate({ module: '', serial: serial(3) }, pin(), {
      algorithm: 'p256',
      label: 'spare',
      id: spare.id,
    });
    expect(await codeOf(unlockWith(path, [card(3)]))).toBe('FACTOR_INCORRECT');
  });
});

describe('a quorum of officers’ tokens', () => {
  it('2 of 3: every pair opens, no single token does, a wrong PIN on one leaves the other two', async () => {
    const { path, added } = await vaultWith(
      'officers.kw',
      [enrolCard(0), enrolCard(1), enrolCard(2)],
      2,
    );
    expect(added.kind).toBe('quorum');
    const ceremony = await unlockVault(path, undefined, deps);
    // Opened by the passphrase: the quorum proves itself before the passphrase slot may go.
    expect(await codeOf(ceremony.removeSlot('tester', 1))).toBe('SLOT_LAST_WORKING');
    await ceremony.removeSlot('tester', 1, [card(0), card(2)]);
    ceremony.lock('tester');
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      expect(await codeOf(unlockWith(path, [card(a), card(b)]))).toBe('OK');
    }
    for (const only of [0, 1, 2])
      expect(await codeOf(unlockWith(path, [card(only)]))).toBe('QUORUM_NOT_MET');
    expect(await codeOf(unlockWith(path, [card(0, '9999'), card(1), card(2)]))).toBe('OK');
    expect(await codeOf(unlockWith(path, [card(0, '9999'), card(1)]))).toBe('QUORUM_NOT_MET');
  });

  it('through the services: vault:add-slot and vault:unlock with factors, the PINs zeroed after each call', async () => {
    const path = dir.file('services.kw');
    await makeVault(path, deps);
    const services = new KeywardenServices({
      deps: realDeps(),
      actor: 'officer',
      openTokens: () => layer,
    });
    try {
      await services.invoke('vault:unlock', {
        path,
        factor: { kind: 'passphrase', passphrase: passphraseBytes() },
      });
      const pins = [pin(), pin(), pin()];
      const added = await services.invoke('vault:add-slot', {
        factors: [0, 1, 2].map((i) => ({
          kind: 'pkcs11',
          serial: serial(i),
          keyId: keys[i],
          pin: pins[i],
        })),
        threshold: 2,
        name: 'officers',
      });
      expect(added).toMatchObject({ kind: 'quorum', threshold: 2, name: 'officers' });
      expect(pins.every((p) => p.every((byte) => byte === 0))).toBe(true);
      await services.invoke('vault:lock', {});
      const offered = [card(2), card(0)];
      const header = await services.invoke('vault:unlock', { path, factors: offered });
      expect(header.slots.find((s) => s.slotId === added.slotId)?.name).toBe('officers');
      expect(offered.every((f) => f.kind === 'pkcs11' && f.pin.every((byte) => byte === 0))).toBe(
        true,
      );
      const bad = await services
        .invoke('vault:unlock', {
          path,
          factors: [{ kind: 'pkcs11', serial: 'x'.repeat(65), pin: pin() }],
        })
        .catch((error: { code: string }) => error.code);
      expect(bad).toBe('IPC_BAD_REQUEST');
    } finally {
      // The layer is this file's: the services must not close it.
      await services.invoke('vault:lock', {});
    }
  });

  it('a token that is gone is TOKEN_NOT_PRESENT, and the other officers still make the quorum', async () => {
    const extra = hsm.addToken('kw-leaving');
    const leaving = await layer.generate({ module: '', serial: extra.serial }, pin(), {
      algorithm: 'p256',
      label: 'leaving',
    });
    const { path } = await vaultWith(
      'gone.kw',
      [
        { kind: 'pkcs11', serial: extra.serial, keyId: leaving.id, pin: pin() },
        enrolCard(1),
        enrolCard(2),
      ],
      2,
    );
    hsm.deleteToken(extra.serial);
    const gone: UnlockFactor = { kind: 'pkcs11', serial: extra.serial, pin: pin() };
    try {
      await unlockWith(path, [gone, card(1)]);
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('QUORUM_NOT_MET');
      expect((error as Error).message).toMatch(/TOKEN_NOT_PRESENT|TOKEN_REMOVED/);
    }
    expect(await codeOf(unlockWith(path, [gone, card(1), card(2)]))).toBe('OK');
  });
});
