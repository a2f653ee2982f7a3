import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../electron/shared/errors.ts';
import { runKeywarden } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { startSwtpm } from '../helpers/swtpm.fixture.ts';
import type { SwtpmSession } from '../helpers/swtpm.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// TPM slots through `keywarden` as a user runs it, each command in a child process that reaches
// a real swtpm (KEYWARDEN_TPM_TCTI, or --tpm-tcti): adding a TPM slot (alone, bound to PCR 7,
// with a PIN, combined with a passphrase), unlocking with --tpm, and the errors a script sees.
// Every secret goes through a mode-600 file, never argv.

const PASS = 'tpm cli vault passphrase';
const SECOND_PASS = 'tpm cli second passphrase';
const PIN = 'tpm cli pin 5821';
const WRONG_PIN = 'tpm cli pin 0000';
const FAST = ['--kdf-memory-mib', '19', '--kdf-iterations', '2', '--kdf-parallelism', '1'];
/** Port 1 is privileged and nothing listens there: a TPM that cannot be reached. */
const NO_TPM = 'swtpm:host=127.0.0.1,port=1';

let session: SwtpmSession;
let dir: TempDir;
let env: NodeJS.ProcessEnv;
const secretFiles = { pass: '', secondPass: '', pin: '', wrongPin: '' };

function secretFile(name: string, text: string): string {
  const path = dir.file(name);
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  dir = tempDir('keywarden-tpm-cli-');
  session = await startSwtpm();
  env = { ...session.env, KEYWARDEN_TPM_TCTI: session.tcti };
  secretFiles.pass = secretFile('pass.txt', PASS);
  secretFiles.secondPass = secretFile('second-pass.txt', SECOND_PASS);
  secretFiles.pin = secretFile('pin.txt', PIN);
  secretFiles.wrongPin = secretFile('wrong-pin.txt', WRONG_PIN);
});
afterAll(async () => {
  await session?.stop();
  dir?.cleanup();
});

const keywarden = (args: string[]) => runKeywarden(args, { env });

function expectOneErrorLine(result: CliResult, code: string, exitCode: ExitCode): void {
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error \\[${code}\\]: .+`));
  expect(result.code).toBe(exitCode);
}

function expectSuccess(result: CliResult): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

let vaultCount = 0;

/** A new vault with the passphrase PASS (slot #1). */
async function initVault(): Promise<string> {
  vaultCount += 1;
  const vault = dir.file(`cli-tpm-${vaultCount}.kw`);
  const init = await keywarden([
    'init',
    '--vault',
    vault,
    '--passphrase-file',
    secretFiles.pass,
    ...FAST,
  ]);
  expect(init.code).toBe(0);
  return vault;
}

/** `slots add` unlocking with PASS; returns what --json printed, and the run itself. */
async function addSlot(vault: string, factorArgs: string[]) {
  const added = await keywarden([
    'slots',
    'add',
    '--vault',
    vault,
    ...factorArgs,
    '--passphrase-file',
    secretFiles.pass,
    ...FAST,
    '--json',
  ]);
  expectSuccess(added);
  const slot = JSON.parse(added.stdout) as { slotId: number; kind: string; factors: string[] };
  return { ...slot, run: added };
}

async function listSlots(vault: string) {
  const listed = await keywarden(['slots', 'list', '--vault', vault, '--json']);
  expectSuccess(listed);
  return JSON.parse(listed.stdout) as Array<{
    slotId: number;
    kind: string;
    factors?: string[];
    name?: string;
  }>;
}

/** The latest audit entry of `action`. */
async function lastAuditEntry(vault: string, action: string) {
  const listed = await keywarden(['audit', 'list', '--vault', vault, '--json']);
  expectSuccess(listed);
  const entries = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  return entries.filter((entry) => entry.action === action).at(-1);
}

describe('keywarden slots add --kind tpm2, and --tpm', () => {
  it('adds a TPM slot bound to PCR 7 that alone unlocks the vault; slots list shows it', async () => {
    const vault = await initVault();
    const added = await addSlot(vault, ['--kind', 'tpm2', '--tpm-pcrs', '7']);
    expect(added).toMatchObject({ slotId: 2, kind: 'tpm2', factors: ['TPM, PCR 7'] });

    const status = await keywarden(['status', '--vault', vault, '--tpm']);
    expectSuccess(status);
    expect(status.stdout).toMatch(/^Authenticated: header, /m);
    expect(status.stdout).toMatch(/#2 tpm2 \(TPM, PCR 7\), added /);
    expect(await lastAuditEntry(vault, 'vault.unlock')).toMatchObject({
      outcome: 'success',
      detail: { factor: 'tpm2', slot: 2 },
    });
    expect(await listSlots(vault)).toEqual([
      expect.objectContaining({ slotId: 1, kind: 'passphrase' }),
      expect.objectContaining({ slotId: 2, kind: 'tpm2', factors: ['TPM, PCR 7'] }),
    ]);
  });

  it('a passphrase AND TPM slot: it re-authenticates the removal of the first slot, then needs both factors', async () => {
    const vault = await initVault();
    const added = await addSlot(vault, [
      '--kind',
      'tpm2',
      '--with',
      'passphrase',
      '--new-passphrase-file',
      secretFiles.secondPass,
    ]);
    expect(added).toMatchObject({ slotId: 2, kind: 'combined', factors: ['TPM', 'passphrase'] });

    const removed = await keywarden([
      'slots',
      'remove',
      '1',
      '--vault',
      vault,
      '--tpm',
      '--passphrase-file',
      secretFiles.secondPass,
    ]);
    expectSuccess(removed);
    expect(removed.stdout).toMatch(/^Removed unlock slot #1 \(passphrase\)/);
    expect(await lastAuditEntry(vault, 'vault.unlock')).toMatchObject({
      outcome: 'success',
      detail: { factor: 'passphrase+tpm2', slot: 2 },
    });
    expect((await listSlots(vault)).map((slot) => slot.kind)).toEqual(['combined']);

    const passphraseAlone = await keywarden([
      'status',
      '--vault',
      vault,
      '--passphrase-file',
      secretFiles.secondPass,
    ]);
    expectOneErrorLine(passphraseAlone, 'FACTOR_MISSING', ExitCode.USAGE);
    expect(passphraseAlone.stderr).toContain('also give --tpm');
    const both = await keywarden([
      'status',
      '--vault',
      vault,
      '--tpm',
      '--passphrase-file',
      secretFiles.secondPass,
    ]);
    expectSuccess(both);
    expect(both.stdout).toMatch(/^Authenticated: /m);
  });

  it('a TPM slot with a PIN: a wrong PIN is TPM_AUTH_FAILED, the right one unlocks, and no PIN is ever printed', async () => {
    const vault = await initVault();
    const added = await addSlot(vault, ['--kind', 'tpm2', '--new-tpm-pin-file', secretFiles.pin]);
    expect(added.factors).toEqual(['TPM, PIN']);

    const wrong = await keywarden([
      'status',
      '--vault',
      vault,
      '--tpm-pin-file',
      secretFiles.wrongPin,
    ]);
    expectOneErrorLine(wrong, 'TPM_AUTH_FAILED', ExitCode.AUTH);
    const noPin = await keywarden(['status', '--vault', vault, '--tpm']);
    expectOneErrorLine(noPin, 'PIN_REQUIRED', ExitCode.AUTH);
    expect(noPin.stderr).toContain('--tpm-pin-file F');
    const right = await keywarden([
      'status',
      '--vault',
      vault,
      '--tpm',
      '--tpm-pin-file',
      secretFiles.pin,
    ]);
    expectSuccess(right);

    const audit = await keywarden(['audit', 'list', '--vault', vault, '--json']);
    expect(audit.stdout).toContain('TPM_AUTH_FAILED');
    const files = [vault, `${vault}-wal`].filter((file) => existsSync(file));
    for (const text of [PIN, WRONG_PIN]) {
      for (const output of [added.run, wrong, noPin, right, audit].flatMap((r) => [
        r.stdout,
        r.stderr,
      ]))
        expect(output).not.toContain(text);
      for (const file of files) expect(readFileSync(file).includes(text)).toBe(false);
    }
  });

  it('a TPM that cannot be reached (--tpm-tcti): TPM_UNAVAILABLE; the passphrase still unlocks', async () => {
    const vault = await initVault();
    await addSlot(vault, ['--kind', 'tpm2']);
    const status = await keywarden(['status', '--vault', vault, '--tpm', '--tpm-tcti', NO_TPM]);
    expectOneErrorLine(status, 'TPM_UNAVAILABLE', ExitCode.DEVICE);
    expect(status.stderr).toContain(NO_TPM);
    expect(await lastAuditEntry(vault, 'vault.unlock')).toMatchObject({
      outcome: 'failure',
      detail: { factor: 'tpm2', error: 'TPM_UNAVAILABLE' },
    });
    expectSuccess(
      await keywarden([
        'status',
        '--vault',
        vault,
        '--passphrase-file',
        secretFiles.pass,
        '--tpm-tcti',
        NO_TPM,
      ]),
    );
  });

  it('slots rename gives the TPM slot a name that slots list shows', async () => {
    const vault = await initVault();
    await addSlot(vault, ['--kind', 'tpm2', '--tpm-pcrs', '7']);
    const renamed = await keywarden([
      'slots',
      'rename',
      '2',
      '--vault',
      vault,
      '--name',
      'TPM of laptop',
      '--passphrase-file',
      secretFiles.pass,
    ]);
    expectSuccess(renamed);
    expect(renamed.stdout).toBe('Slot #2 is now named "TPM of laptop".\n');

    const listed = await keywarden(['slots', 'list', '--vault', vault]);
    expectSuccess(listed);
    expect(listed.stdout).toMatch(/#2 "TPM of laptop" tpm2 \(TPM, PCR 7\), added /);
    expect((await listSlots(vault)).find((slot) => slot.slotId === 2)?.name).toBe('TPM of laptop');
    // The name is bound by the header MAC: the TPM still unlocks and the file authenticates.
    expectSuccess(await keywarden(['status', '--vault', vault, '--tpm']));
  });
});
