import { LATEST_FORMAT_VERSION } from '../../electron/core/vault/migrations.ts';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeywarden } from '../helpers/cli.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The `keywarden` command as a user runs it: real process, real files, exit codes and the
// one-line `error [CODE]: message` on stderr.

const PASS = 'cli test passphrase one';
const NEW_PASS = 'cli test passphrase two';
const FAST = ['--kdf-memory-mib', '19', '--kdf-iterations', '2', '--kdf-parallelism', '1'];

let dir: TempDir;
let vault: string;
let passFile: string;

beforeAll(async () => {
  dir = tempDir('keywarden-cli-');
  vault = dir.file('v.kw');
  passFile = dir.file('pass');
  writeFileSync(passFile, `${PASS}\n`, { mode: 0o600 });
  const init = await runKeywarden(['init', '--vault', vault, '--passphrase-stdin', ...FAST], {
    stdin: `${PASS}\n`,
  });
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
});
afterAll(() => dir.cleanup());

function expectOneErrorLine(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error \\[${code}\\]: .+`));
}

describe('keywarden init', () => {
  it('reports the new vault, and refuses an existing path with VAULT_EXISTS', async () => {
    const again = await runKeywarden([
      'init',
      '--vault',
      vault,
      '--passphrase-file',
      passFile,
      ...FAST,
    ]);
    expect(again.code).toBe(1);
    expectOneErrorLine(again.stderr, 'VAULT_EXISTS');
  });

  it('refuses parameters below the floors with exit 2 and leaves no file', async () => {
    const target = dir.file('refused.kw');
    const result = await runKeywarden([
      'init',
      '--vault',
      target,
      '--passphrase-file',
      passFile,
      '--kdf-memory-mib',
      '8',
      '--kdf-iterations',
      '2',
    ]);
    expect(result.code).toBe(2);
    expectOneErrorLine(result.stderr, 'KDF_PARAMS_INVALID');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir.path).filter((n) => n.startsWith('refused'))).toEqual([]);
  });

  it('calibrates to a target time when asked', async () => {
    const target = dir.file('calibrated.kw');
    const result = await runKeywarden([
      'init',
      '--vault',
      target,
      '--passphrase-file',
      passFile,
      '--kdf-target-ms',
      '200',
      '--kdf-memory-mib',
      '19',
      '--kdf-parallelism',
      '1',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const header = JSON.parse(result.stdout) as {
      slots: Array<{ kdf: { memoryKiB: number; iterations: number } }>;
    };
    expect(header.slots[0]?.kdf.memoryKiB).toBe(19 * 1024);
    expect(header.slots[0]?.kdf.iterations).toBeGreaterThanOrEqual(2);
    expect(result.stderr).toMatch(/Calibrat/);
  });

  it('without a passphrase source and no terminal, says how to give one', async () => {
    const result = await runKeywarden(['init', '--vault', dir.file('x.kw'), ...FAST]);
    expect(result.code).toBe(1);
    expectOneErrorLine(result.stderr, 'SECRET_INPUT_UNAVAILABLE');
    expect(result.stderr).toContain('--passphrase-file');
  });
});

describe('keywarden status', () => {
  it('shows the header without unlocking', async () => {
    const result = await runKeywarden(['status', '--vault', vault, '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as {
      locked: boolean;
      header: { formatVersion: number; slots: unknown[] };
    };
    expect(status.locked).toBe(true);
    expect(status.header.formatVersion).toBe(LATEST_FORMAT_VERSION);
    expect(status.header.slots).toHaveLength(1);
  });

  it('with an unlock option authenticates the file and counts records', async () => {
    const result = await runKeywarden([
      'status',
      '--vault',
      vault,
      '--passphrase-file',
      passFile,
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      locked: false,
      records: {},
      authenticated: 0,
    });
  });

  it('a wrong passphrase exits 3 with PASSPHRASE_INCORRECT, no stack, and is audited', async () => {
    const result = await runKeywarden(['status', '--vault', vault, '--passphrase-stdin'], {
      stdin: 'wrong guess here\n',
    });
    expect(result.code).toBe(3);
    expectOneErrorLine(result.stderr, 'PASSPHRASE_INCORRECT');
    expect(result.stderr).not.toContain('wrong guess');
    const audit = await runKeywarden(['audit', 'list', '--vault', vault, '--json']);
    const entries = JSON.parse(audit.stdout) as Array<{
      action: string;
      outcome: string;
      detail: Record<string, unknown>;
    }>;
    expect(entries.at(-1)).toMatchObject({
      action: 'vault.unlock',
      outcome: 'failure',
      detail: { error: 'PASSPHRASE_INCORRECT' },
    });
  });

  it('--debug adds the stack trace', async () => {
    const result = await runKeywarden(
      ['status', '--vault', vault, '--passphrase-stdin', '--debug'],
      { stdin: 'wrong guess here\n' },
    );
    expect(result.code).toBe(3);
    expect(result.stderr.split('\n').length).toBeGreaterThan(2);
    expect(result.stderr).toMatch(/at .+\.ts:\d+/);
  });

  it('a file that is not a vault exits 4 with NOT_A_VAULT', async () => {
    const junk = dir.file('junk.kw');
    writeFileSync(junk, Buffer.alloc(8192, 0x41));
    const result = await runKeywarden(['status', '--vault', junk]);
    expect(result.code).toBe(4);
    expectOneErrorLine(result.stderr, 'NOT_A_VAULT');
  });

  it('a missing vault says how to create one', async () => {
    const result = await runKeywarden(['status', '--vault', dir.file('absent.kw')]);
    expect(result.code).toBe(1);
    expectOneErrorLine(result.stderr, 'VAULT_NOT_FOUND');
    expect(result.stderr).toContain('keywarden init');
  });
});

describe('usage', () => {
  it.each([
    [['frobnicate']],
    [['status']],
    [['status', '--vault', 'x', '--passphrase', 'secret-in-argv']],
    [['status', '--vault', 'x', '--passphrase-file', 'a', '--recovery-key-file', 'b']],
    [['init', '--vault', 'x', '--kdf-iterations', 'three']],
    [['init', '--vault', 'x', '--kdf-iterations', '3', '--kdf-target-ms', '500']],
  ])('%j exits 2 with USAGE', async (args) => {
    const result = await runKeywarden(args);
    expect(result.code).toBe(2);
    expectOneErrorLine(result.stderr, 'USAGE');
    expect(result.stderr).not.toContain('secret-in-argv');
  });

  it('--help lists every command and exits 0', async () => {
    const result = await runKeywarden(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'init',
      'status',
      'passphrase change',
      'recovery-key add',
      'audit verify',
      'audit list',
    ]) {
      expect(result.stdout).toContain(command);
    }
  });
});

describe('recovery key, passphrase change and the audit trail', () => {
  it('work end to end, and no secret reaches the audit log or the file', async () => {
    const added = await runKeywarden([
      'recovery-key',
      'add',
      '--vault',
      vault,
      '--passphrase-file',
      passFile,
    ]);
    expect(added.code).toBe(0);
    const key = /KW1(-[0-9A-Z]{4}){9}/.exec(added.stdout)?.[0];
    expect(key).toBeDefined();
    const keyFile = dir.file('recovery');
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });

    const again = await runKeywarden([
      'recovery-key',
      'add',
      '--vault',
      vault,
      '--passphrase-file',
      passFile,
    ]);
    expect(again.code).toBe(1);
    expectOneErrorLine(again.stderr, 'RECOVERY_KEY_EXISTS');

    const changed = await runKeywarden(
      [
        'passphrase',
        'change',
        '--vault',
        vault,
        '--recovery-key-file',
        keyFile,
        '--new-passphrase-stdin',
      ],
      {
        stdin: `${NEW_PASS}\n`,
      },
    );
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);

    const old = await runKeywarden(['status', '--vault', vault, '--passphrase-file', passFile]);
    expect(old.code).toBe(3);
    const viaStdin = await runKeywarden(
      ['passphrase', 'change', '--vault', vault, '--passphrase-stdin', '--new-passphrase-stdin'],
      {
        stdin: `${NEW_PASS}\n${PASS}\n`,
      },
    );
    expect(viaStdin.code).toBe(0);
    const current = await runKeywarden(['status', '--vault', vault, '--passphrase-file', passFile]);
    expect(current.code).toBe(0);

    const verify = await runKeywarden([
      'audit',
      'verify',
      '--vault',
      vault,
      '--passphrase-file',
      passFile,
    ]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/intact.*checkpoint at #\d+ verified/);

    const list = await runKeywarden(['audit', 'list', '--vault', vault, '--json']);
    const actions = (JSON.parse(list.stdout) as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'vault.init',
        'vault.unlock',
        'recovery-key.add',
        'passphrase.change',
        'vault.lock',
      ]),
    );
    const everything = Buffer.concat([
      Buffer.from(list.stdout),
      ...readdirSync(dir.path)
        .filter((n) => n.startsWith('v.kw'))
        .map((n) => readFileSync(dir.file(n))),
    ]);
    for (const secret of [PASS, NEW_PASS, key ?? ''])
      expect(everything.includes(Buffer.from(secret))).toBe(false);
  });
});
