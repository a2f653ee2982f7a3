import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// `keywarden slots add|list|rename|remove` and unlocking with smartcards, as an officer types
// them: a token slot, then a 2-of-3 quorum of three officers' tokens that becomes the only way
// into the vault. Every secret comes from a file; SoftHSM2 tokens stand in for the cards.

const PASS = 'token slots cli passphrase';
const FAST = ['--kdf-memory-mib', '19', '--kdf-iterations', '2', '--kdf-parallelism', '1'];

let hsm: SoftHsm;
let layer: TokenLayer;
let dir: TempDir;
let vault: string;
let passFile: string;
let pinFile: string;
const keys: string[] = [];
const serial = (i: number) => hsm.tokens[i]?.serial ?? '';

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 3, prefix: 'kw-cli-officer-' });
  dir = tempDir('keywarden-cli-token-slots-');
  passFile = dir.file('pass');
  pinFile = dir.file('pin');
  writeFileSync(passFile, `${PASS}\n`, { mode: 0o600 });
  writeFileSync(pinFile, '1234\n', { mode: 0o600 });
  layer = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 });
  for (let i = 0; i < 3; i += 1) {
    const key = await layer.generate({ module: '', serial: serial(i) }, Buffer.from('1234'), {
      algorithm: 'p256',
      label: `officer ${i + 1}`,
    });
    keys.push(key.id);
  }
  // The CLI processes open the tokens themselves: this process lets go of them.
  await layer.close();
  vault = dir.file('ceremony.kw');
  const init = await runKeywarden(
    ['init', '--vault', vault, '--passphrase-file', passFile, ...FAST],
    { env: hsm.env },
  );
  expect(init.code).toBe(0);
});
afterAll(async () => {
  await layer?.close();
  hsm?.cleanup();
  dir?.cleanup();
});

const keywarden = (...args: string[]) =>
  runKeywarden([...args, '--vault', vault, '--module', SOFTHSM_MODULE], { env: hsm.env });

const officer = (i: number) => ['--unlock-token', serial(i), '--unlock-pin-file', pinFile];

function errorCode(stderr: string): string | undefined {
  return /^error \[([A-Z_]+)\]/.exec(stderr.trim())?.[1];
}

describe('keywarden slots add --kind pkcs11', () => {
  it('adds a token slot; --token SERIAL --pin-file F then unlocks', async () => {
    const added = await keywarden(
      'slots',
      'add',
      '--kind',
      'pkcs11',
      '--new-token',
      serial(0),
      '--new-token-key',
      keys[0] ?? '',
      '--new-token-pin-file',
      pinFile,
      '--name',
      'officer 1 card',
      '--passphrase-file',
      passFile,
      '--json',
    );
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({
      slotId: 2,
      kind: 'pkcs11',
      name: 'officer 1 card',
    });
    const status = await keywarden('status', '--token', serial(0), '--pin-file', pinFile);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Authenticated');
    expect(status.stdout).toContain(`#2 "officer 1 card" pkcs11 (token ${serial(0)}`);
  });

  it('adds a 2-of-3 quorum; it re-authenticates the removal of every other slot; any two officers open', async () => {
    const added = await keywarden(
      'slots',
      'add',
      '--kind',
      'pkcs11',
      '--with',
      'pkcs11',
      '--with',
      'pkcs11',
      '--quorum',
      '2',
      ...[0, 1, 2].flatMap((i) => [
        '--new-token',
        serial(i),
        '--new-token-key',
        keys[i] ?? '',
        '--new-token-pin-file',
        pinFile,
      ]),
      '--name',
      'officers',
      '--passphrase-file',
      passFile,
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/Added unlock slot #3 \(quorum \(2 of 3: token/);
    for (const id of ['1', '2']) {
      const removed = await keywarden('slots', 'remove', id, ...officer(0), ...officer(1));
      expect(removed.stderr).toBe('');
      expect(removed.code).toBe(0);
    }
    const listed = JSON.parse((await keywarden('slots', 'list', '--json')).stdout) as Array<{
      slotId: number;
      kind: string;
      name?: string;
      threshold?: number;
      factors?: string[];
    }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ slotId: 3, kind: 'quorum', name: 'officers', threshold: 2 });
    expect(listed[0]?.factors).toHaveLength(3);
    const pair = await keywarden('status', ...officer(2), ...officer(1));
    expect(pair.code).toBe(0);
    const alone = await keywarden('status', '--token', serial(2), '--pin-file', pinFile);
    expect(errorCode(alone.stderr)).toBe('QUORUM_NOT_MET');
    expect(alone.code).toBe(3);
    const last = await keywarden('slots', 'remove', '3', ...officer(0), ...officer(2));
    expect(errorCode(last.stderr)).toBe('SLOT_LAST_REMAINING');
  });

  it('renames a slot; refuses bad input with a coded error and changes nothing', async () => {
    const renamed = await keywarden(
      'slots',
      'rename',
      '3',
      '--name',
      'three officers',
      ...officer(0),
      ...officer(1),
    );
    expect(renamed.stdout).toContain('Slot #3 is now named "three officers"');
    const cases: Array<[string[], string]> = [
      [['slots', 'add', '--kind', 'bogus', ...officer(0), ...officer(1)], 'USAGE'],
      [['slots', 'add', '--kind', 'pkcs11', ...officer(0), ...officer(1)], 'USAGE'],
      [
        ['slots', 'add', '--kind', 'keychain', '--quorum', '2', ...officer(0), ...officer(1)],
        'USAGE',
      ],
      [
        ['slots', 'add', '--kind', 'recovery', '--with', 'tpm2', ...officer(0), ...officer(1)],
        'USAGE',
      ],
      [['slots', 'remove', 'three', ...officer(0), ...officer(1)], 'USAGE'],
      [['slots', 'rename', '9', '--name', 'nine', ...officer(0), ...officer(1)], 'SLOT_NOT_FOUND'],
      [['slots', 'rename', '3', '--name', ' padded', ...officer(0), ...officer(1)], 'BAD_REQUEST'],
      [['status', '--unlock-token', serial(0), ...officer(1)], 'USAGE'],
      [
        [
          'status',
          ...officer(0),
          '--unlock-token',
          serial(1),
          '--unlock-pin-file',
          dir.file('nope'),
        ],
        'SECRET_INPUT_UNAVAILABLE',
      ],
    ];
    for (const [args, code] of cases) {
      const result = await keywarden(...args);
      expect([args.join(' '), errorCode(result.stderr)]).toEqual([args.join(' '), code]);
    }
    const listed = JSON.parse((await keywarden('slots', 'list', '--json')).stdout) as Array<{
      name?: string;
    }>;
    expect(listed.map((slot) => slot.name)).toEqual(['three officers']);
  });

  it('checks every slots add and unlock option before unlocking: a bad one leaves no audit entry', async () => {
    const entries = async () =>
      (JSON.parse((await keywarden('audit', 'list', '--json')).stdout) as unknown[]).length;
    const before = await entries();
    const cases: string[][] = [
      ['slots', 'add', '--kind', 'tpm2', '--tpm-pcrs', '99', ...officer(0), ...officer(1)],
      ['slots', 'add', '--kind', 'pkcs11', ...officer(0), ...officer(1)],
      [
        'slots',
        'add',
        '--kind',
        'yubikey-hmac',
        '--yubikey-slot',
        '3',
        ...officer(0),
        ...officer(1),
      ],
      ['slots', 'rename', '3', '--name', 'x', '--pin-file', pinFile],
      ['status', '--unlock-slot', 'abc', ...officer(0), ...officer(1)],
    ];
    for (const args of cases) {
      const result = await keywarden(...args);
      expect([args.join(' '), errorCode(result.stderr)]).toEqual([args.join(' '), 'USAGE']);
    }
    expect(await entries()).toBe(before);
  });
});
