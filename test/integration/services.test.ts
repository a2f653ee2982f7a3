import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import { CHANNELS } from '../../electron/shared/contract.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

let dir: TempDir;
let path: string;
let services: KeywardenServices;
beforeEach(async () => {
  dir = tempDir('keywarden-services-');
  path = dir.file('v.kw');
  await makeVault(path);
  services = new KeywardenServices({ deps: realDeps(), actor: 'tester' });
});
afterEach(() => {
  services.shutdown();
  dir.cleanup();
});

describe('services over the contract', () => {
  it('has a handler for every channel of the contract, and no other', () => {
    expect(services.channels().sort()).toEqual([...CHANNELS].sort());
  });

  it('refuses a request of the wrong shape on every channel before running anything', async () => {
    for (const channel of CHANNELS) {
      await expect(services.invoke(channel, 42)).rejects.toMatchObject({ code: 'IPC_BAD_REQUEST' });
    }
  });

  it.each([
    [
      'vault:unlock',
      { path: 'x', factor: { kind: 'passphrase', passphrase: 'a string, not bytes' } },
    ],
    ['vault:unlock', { path: 'x', factor: { kind: 'telepathy' } }],
    [
      'vault:init',
      { path: 'x', passphrase: new Uint8Array(8), kdf: { iterations: 3, targetMs: 500 } },
    ],
    ['vault:lock', { extra: true }],
    ['audit:list', { limit: -1 }],
  ])('%s refuses %j with IPC_BAD_REQUEST', async (channel, request) => {
    await expect(services.invoke(channel as 'vault:lock', request)).rejects.toMatchObject({
      code: 'IPC_BAD_REQUEST',
    });
  });

  it('refuses a channel name that is not in the contract', async () => {
    await expect(services.invoke('vault:__proto__' as 'vault:lock', {})).rejects.toMatchObject({
      code: 'IPC_BAD_REQUEST',
    });
  });

  it('zeroes the secret bytes of a request once the call is done, whatever the outcome', async () => {
    const right = passphraseBytes();
    await services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: right },
    });
    expect(right.every((b) => b === 0)).toBe(true);
    const wrong = passphraseBytes('definitely wrong');
    await expect(
      services.invoke('vault:unlock', { path, factor: { kind: 'passphrase', passphrase: wrong } }),
    ).rejects.toMatchObject({
      code: 'PASSPHRASE_INCORRECT',
    });
    expect(wrong.every((b) => b === 0)).toBe(true);
  });

  it('unlock, verify and lock through the channels', async () => {
    await expect(services.invoke('vault:verify', {})).rejects.toMatchObject({
      code: 'VAULT_LOCKED',
    });
    const header = await services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: passphraseBytes() },
    });
    expect(header.slots.map((s) => s.kind)).toEqual(['passphrase']);
    const status = await services.invoke('vault:verify', {});
    expect(status.authenticated).toBe(0);
    expect(await services.invoke('audit:verify', {})).toMatchObject({
      intact: true,
      checkpoint: 'verified',
    });
    expect(await services.invoke('vault:lock', {})).toEqual({ locked: true });
    await expect(services.invoke('vault:verify', {})).rejects.toMatchObject({
      code: 'VAULT_LOCKED',
    });
    expect(await services.invoke('audit:verify', { path })).toMatchObject({
      intact: true,
      checkpoint: 'not-checked',
    });
  });

  it('a lock that comes while an unlock is deriving its key wins: the vault stays locked', async () => {
    const unlocking = services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: passphraseBytes() },
    });
    services.shutdown();
    await expect(unlocking).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    await expect(services.invoke('vault:verify', {})).rejects.toMatchObject({
      code: 'VAULT_LOCKED',
    });
    const entries = await services.invoke('audit:list', { path });
    expect(entries.slice(-2).map((e) => `${e.action} ${e.outcome}`)).toEqual([
      'vault.unlock success',
      'vault.lock success',
    ]);
  });

  it('two unlocks at once run one after the other, and the first is locked, not leaked', async () => {
    const first = services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: passphraseBytes() },
    });
    const second = services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: passphraseBytes() },
    });
    await Promise.all([first, second]);
    const entries = await services.invoke('audit:list', { path });
    expect(entries.slice(-3).map((e) => e.action)).toEqual([
      'vault.unlock',
      'vault.lock',
      'vault.unlock',
    ]);
  });
});

describe('re-authentication and events', () => {
  async function unlockedWithAlice(events: unknown[] = []): Promise<KeywardenServices> {
    services.shutdown();
    services = new KeywardenServices({
      deps: realDeps(),
      actor: 'Alice',
      onEvent: (event) => events.push(event),
    });
    await services.invoke('vault:unlock', {
      path,
      factor: { kind: 'passphrase', passphrase: passphraseBytes() },
    });
    await services.invoke('people:add', { name: 'Alice', roles: ['officer'] });
    return services;
  }

  it('refuses a private export with the wrong vault passphrase, audits it, and zeroes both passphrases', async () => {
    const s = await unlockedWithAlice();
    const key = await s.invoke('keys:generate', {
      name: 'deploy',
      algorithm: 'ed25519',
      purposes: ['sign'],
      owner: 'Alice',
    });
    const wrong = passphraseBytes('not the vault passphrase');
    const exportPassphrase = passphraseBytes('an export passphrase');
    await expect(
      s.invoke('keys:export-private', {
        id: key.id,
        vaultPassphrase: wrong,
        exportPassphrase,
      }),
    ).rejects.toMatchObject({ code: 'PASSPHRASE_INCORRECT' });
    expect(wrong.every((byte) => byte === 0)).toBe(true);
    expect(exportPassphrase.every((byte) => byte === 0)).toBe(true);
    const entries = await s.invoke('audit:list', {});
    expect(entries.at(-1)).toMatchObject({
      action: 'key.export-private',
      outcome: 'failure',
      detail: { error: 'PASSPHRASE_INCORRECT' },
    });
    const { pem } = await s.invoke('keys:export-private', {
      id: key.id,
      vaultPassphrase: passphraseBytes(),
      exportPassphrase: passphraseBytes('an export passphrase'),
    });
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(pem).not.toContain('BEGIN PRIVATE KEY');
  });

  it('pushes rewrap progress as contract events while a KEK rotates', async () => {
    const events: unknown[] = [];
    const s = await unlockedWithAlice(events);
    const kek = await s.invoke('keys:generate', {
      name: 'kek',
      algorithm: 'aes256',
      purposes: ['wrap', 'unwrap'],
      owner: 'Alice',
    });
    for (let i = 0; i < 3; i += 1) {
      await s.invoke('keys:generate', {
        name: `dek ${i}`,
        algorithm: 'aes256',
        purposes: ['encrypt'],
        owner: 'Alice',
        wrappedBy: kek.id,
      });
    }
    const result = await s.invoke('keys:rotate', { id: kek.id });
    expect(result.rewrapped).toBe(3);
    // Progress names the KEK version the data keys now live under.
    expect(events).toEqual([
      { name: 'keys:rewrap-progress', payload: { kek: result.key.id, done: 3, total: 3 } },
    ]);
  });
});
