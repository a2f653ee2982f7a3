import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import type { ClipboardPort } from '../../electron/services/app-handlers.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { ServiceEvent } from '../../electron/shared/contract.ts';
import { CLIPBOARD_CLEAR_MS, DEFAULT_AUTO_LOCK_MINUTES } from '../../electron/shared/app-types.ts';
import { codeOf, makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The app's own channels and events over real services: the clipboard that takes a copy back,
// the settings file, and the lock and progress events the window listens to.

/** A clipboard in memory, standing for the desktop's, with a record of every write. */
function memoryClipboard() {
  const state = { text: '', writes: [] as string[] };
  const port: ClipboardPort = {
    writeConcealed: async (text) => {
      state.text = text;
      state.writes.push(text);
    },
    readText: async () => state.text,
    clear: async () => void (state.text = ''),
  };
  return { state, port };
}

let dir: TempDir;
let vault: string;
let events: ServiceEvent[];
let clipboard: ReturnType<typeof memoryClipboard>;
let services: KeywardenServices;
beforeEach(async () => {
  dir = tempDir('keywarden-app-channels-');
  vault = dir.file('v.kw');
  await makeVault(vault);
  events = [];
  clipboard = memoryClipboard();
  services = new KeywardenServices({
    deps: realDeps(),
    actor: 'tester',
    clipboard: clipboard.port,
    settingsPath: dir.file('settings.json'),
    defaultVaultPath: vault,
    onEvent: (event) => events.push(event),
  });
});
afterEach(() => {
  vi.useRealTimers();
  services.shutdown();
  dir.cleanup();
});

const unlock = () =>
  services.invoke('vault:unlock', {
    path: vault,
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });
const locks = () => events.filter((e) => e.name === 'vault:locked').map((e) => e.payload);

describe('clipboard:copy-text', () => {
  it('takes the copy back after 30 s if the clipboard still holds it', async () => {
    vi.useFakeTimers();
    const reply = await services.invoke('clipboard:copy-text', { text: 'SHA256:abc' });
    expect(reply).toEqual({ clearsAfterMs: CLIPBOARD_CLEAR_MS });
    expect(clipboard.state.text).toBe('SHA256:abc');
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_MS - 1);
    expect(clipboard.state.text).toBe('SHA256:abc');
    await vi.advanceTimersByTimeAsync(1);
    expect(clipboard.state.text).toBe('');
  });

  it('leaves alone what the user copied since', async () => {
    vi.useFakeTimers();
    await services.invoke('clipboard:copy-text', { text: 'ssh-ed25519 AAAA' });
    clipboard.state.text = 'something of the user';
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_MS);
    expect(clipboard.state.text).toBe('something of the user');
  });

  it('a newer copy restarts the clock, and quitting takes the copy back at once', async () => {
    vi.useFakeTimers();
    await services.invoke('clipboard:copy-text', { text: 'first' });
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_MS - 1000);
    await services.invoke('clipboard:copy-text', { text: 'second' });
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_MS - 1000);
    expect(clipboard.state.text).toBe('second');
    await services.releaseClipboard();
    expect(clipboard.state.text).toBe('');
  });

  it('is CLIPBOARD_UNAVAILABLE where there is no clipboard, and refuses empty text', async () => {
    const cli = new KeywardenServices({ deps: realDeps(), actor: 'tester' });
    expect(await codeOf(cli.invoke('clipboard:copy-text', { text: 'x' }))).toBe(
      'CLIPBOARD_UNAVAILABLE',
    );
    expect(await codeOf(services.invoke('clipboard:copy-text', { text: '' }))).toBe(
      'IPC_BAD_REQUEST',
    );
    expect(clipboard.state.writes).toEqual([]);
  });
});

describe('settings', () => {
  it('shows the defaults, then what was set, kept in the settings file', async () => {
    expect(await services.invoke('settings:show', {})).toEqual({
      autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES,
      vaultPath: vault,
    });
    const changed = await services.invoke('settings:set', { autoLockMinutes: 15 });
    expect(changed).toEqual({ autoLockMinutes: 15, vaultPath: vault });
    await services.invoke('settings:set', { vaultPath: '/srv/keys/ceremony.kw' });
    expect(JSON.parse(readFileSync(dir.file('settings.json'), 'utf8'))).toEqual({
      autoLockMinutes: 15,
      vaultPath: '/srv/keys/ceremony.kw',
    });
    expect(events.filter((e) => e.name === 'settings:changed').map((e) => e.payload)).toEqual([
      { autoLockMinutes: 15, vaultPath: vault },
      { autoLockMinutes: 15, vaultPath: '/srv/keys/ceremony.kw' },
    ]);
  });

  it('refuses a bad value, or nothing to set, and leaves the file as it was', async () => {
    await services.invoke('settings:set', { autoLockMinutes: 10 });
    const before = readFileSync(dir.file('settings.json'), 'utf8');
    for (const request of [
      {},
      { autoLockMinutes: -1 },
      { autoLockMinutes: 1.5 },
      { autoLockMinutes: 24 * 60 + 1 },
      { vaultPath: '' },
      { theme: 'dark' },
    ]) {
      expect(await codeOf(services.invoke('settings:set', request)), JSON.stringify(request)).toBe(
        'IPC_BAD_REQUEST',
      );
    }
    expect(readFileSync(dir.file('settings.json'), 'utf8')).toBe(before);
  });

  it('reports a malformed settings file as SETTINGS_INVALID', async () => {
    writeFileSync(dir.file('settings.json'), '{"autoLockMinutes": "soon"}');
    expect(await codeOf(services.invoke('settings:show', {}))).toBe('SETTINGS_INVALID');
  });
});

describe('events', () => {
  it('says why the vault was locked, and only when one was open', async () => {
    services.shutdown('idle');
    expect(locks()).toEqual([]);
    await unlock();
    await services.invoke('vault:lock', {});
    await unlock();
    services.shutdown('idle');
    await unlock();
    services.shutdown('lock-screen');
    await unlock();
    services.shutdown('suspend');
    await unlock();
    services.shutdown();
    expect(locks()).toEqual([
      { reason: 'request' },
      { reason: 'idle' },
      { reason: 'lock-screen' },
      { reason: 'suspend' },
      { reason: 'quit' },
    ]);
  });

  it('a vault replaced by another unlock is not reported as locked', async () => {
    await unlock();
    await unlock();
    expect(locks()).toEqual([]);
  });

  it('reports KDF calibration while a vault is made', async () => {
    await services.invoke('vault:init', {
      path: dir.file('new.kw'),
      passphrase: passphraseBytes(),
      kdf: { memoryMiB: 19, parallelism: 1, targetMs: 100 },
    });
    const progress = events.filter((e) => e.name === 'vault:kdf-progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]?.payload).toMatchObject({ phase: 'calibrating' });
  });
});
