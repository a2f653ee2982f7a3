import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeywarden } from '../helpers/cli.ts';
import { startSwtpm } from '../helpers/swtpm.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// `keywarden settings` and where the TPM comes from: --tpm-tcti, then KEYWARDEN_TPM_TCTI, then
// the settings file, then /dev/tpmrm0. The vault gets a TPM slot on a swtpm that is then
// stopped; each TCTI after that leads nowhere, so the TPM_UNAVAILABLE message shows which one
// was used.

let dir: TempDir;
let env: NodeJS.ProcessEnv;
let vault: string;
let passFile: string;
let settingsFile: string;

beforeAll(async () => {
  dir = tempDir('keywarden-settings-');
  env = { ...process.env, XDG_CONFIG_HOME: dir.file('config') };
  // The variable would come before the settings file.
  delete env.KEYWARDEN_TPM_TCTI;
  settingsFile = join(dir.file('config'), 'keywarden', 'settings.json');
  passFile = dir.file('pass');
  writeFileSync(passFile, 'settings test passphrase\n', { mode: 0o600 });
  vault = dir.file('v.kw');
  const init = await runKeywarden(
    [
      'init',
      '--vault',
      vault,
      '--passphrase-file',
      passFile,
      '--kdf-memory-mib',
      '19',
      '--kdf-iterations',
      '2',
      '--kdf-parallelism',
      '1',
    ],
    { env },
  );
  expect(init.code).toBe(0);
  const swtpm = await startSwtpm();
  try {
    const added = await runKeywarden(
      [
        'slots',
        'add',
        '--vault',
        vault,
        '--kind',
        'tpm2',
        '--tpm-tcti',
        swtpm.tcti,
        '--passphrase-file',
        passFile,
      ],
      { env },
    );
    expect(added.stderr).toBe('');
  } finally {
    await swtpm.stop();
  }
});
afterAll(() => dir?.cleanup());

const keywarden = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runKeywarden(args, { env: { ...env, ...extra } });
const errorLine = (stderr: string) => stderr.trim().split('\n')[0] ?? '';

describe('keywarden settings', () => {
  it('sets, shows and unsets tpm-tcti in an owner-only file', async () => {
    expect(JSON.parse((await keywarden(['settings', 'show', '--json'])).stdout)).toEqual({
      path: settingsFile,
      settings: {},
    });
    const set = await keywarden(['settings', 'set', 'tpm-tcti', 'swtpm:host=127.0.0.1,port=1']);
    expect(set.code).toBe(0);
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({
      tpmTcti: 'swtpm:host=127.0.0.1,port=1',
    });
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600);
    expect((await keywarden(['settings', 'show'])).stdout).toContain(
      'tpm-tcti: swtpm:host=127.0.0.1,port=1',
    );
  });

  it('refuses a bad name or value with BAD_REQUEST and leaves the file as it was', async () => {
    const before = readFileSync(settingsFile, 'utf8');
    for (const args of [
      ['settings', 'set', 'tpm-tcti', 'rm -rf /'],
      ['settings', 'set', 'tpm-tcti', `cmd:touch ${dir.file('ran')}`],
      ['settings', 'set', 'tpm-tcti', '/tmp/libtss2-tcti-evil.so'],
      ['settings', 'set', 'tpm-tcti', `device:${'x'.repeat(600)}`],
      ['settings', 'set', 'colour', 'blue'],
      ['settings', 'unset', '__proto__'],
    ]) {
      const result = await keywarden(args);
      expect(errorLine(result.stderr)).toMatch(/^error \[BAD_REQUEST\]/);
      expect(result.code).toBe(2);
    }
    expect(readFileSync(settingsFile, 'utf8')).toBe(before);
  });

  it('the TPM comes from --tpm-tcti, then KEYWARDEN_TPM_TCTI, then the settings', async () => {
    const status = (extraArgs: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      keywarden(['status', '--vault', vault, '--tpm', ...extraArgs], extraEnv);
    const fromSettings = await status([]);
    expect(errorLine(fromSettings.stderr)).toMatch(/^error \[TPM_UNAVAILABLE\].*port=1/);
    const fromEnv = await status([], { KEYWARDEN_TPM_TCTI: 'swtpm:host=127.0.0.1,port=2' });
    expect(errorLine(fromEnv.stderr)).toMatch(/^error \[TPM_UNAVAILABLE\].*port=2/);
    const fromOption = await status(['--tpm-tcti', 'swtpm:host=127.0.0.1,port=3'], {
      KEYWARDEN_TPM_TCTI: 'swtpm:host=127.0.0.1,port=2',
    });
    expect(errorLine(fromOption.stderr)).toMatch(/^error \[TPM_UNAVAILABLE\].*port=3/);
  });

  it('a TCTI that would load a library or run a program is refused from every source', async () => {
    const marker = dir.file('ran');
    for (const [args, extra] of [
      [['--tpm-tcti', `cmd:touch ${marker}`], {}],
      [[], { KEYWARDEN_TPM_TCTI: `cmd:touch ${marker}` }],
      [[], { KEYWARDEN_TPM_TCTI: '/tmp/libtss2-tcti-evil.so' }],
      [['--tpm-tcti', 'libtss2-tcti-cmd.so.0:touch x'], {}],
    ] as const) {
      const result = await keywarden(['status', '--vault', vault, '--tpm', ...args], extra);
      expect(errorLine(result.stderr)).toMatch(
        /^error \[TPM_UNAVAILABLE\]: The TPM TCTI from .* is not one Keywarden opens/,
      );
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a malformed settings file fails what needs the TPM, and only that', async () => {
    writeFileSync(settingsFile, '{ not json', { mode: 0o600 });
    const tpm = await keywarden(['status', '--vault', vault, '--tpm']);
    expect(errorLine(tpm.stderr)).toMatch(
      /^error \[SETTINGS_INVALID\]: The settings file .* is malformed/,
    );
    const passphrase = await keywarden(['status', '--vault', vault, '--passphrase-file', passFile]);
    expect(passphrase.code).toBe(0);
    writeFileSync(settingsFile, JSON.stringify({ tpmTcti: 'swtpm:host=127.0.0.1,port=1' }));
    expect((await keywarden(['settings', 'unset', 'tpm-tcti'])).code).toBe(0);
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({});
  });

  it('--unlock-slot N tries that slot only', async () => {
    const withSlot = (slot: string) =>
      keywarden(['status', '--vault', vault, '--passphrase-file', passFile, '--unlock-slot', slot]);
    expect((await withSlot('1')).code).toBe(0);
    expect(errorLine((await withSlot('2')).stderr)).toMatch(/^error \[SLOT_NOT_FOUND\]/);
    expect(errorLine((await withSlot('9')).stderr)).toMatch(
      /^error \[SLOT_NOT_FOUND\]: This vault has no unlock slot #9/,
    );
  });
});
