import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type {
  ComponentSplitView,
  KeyCombineView,
  KeySplitView,
} from '../../electron/shared/ceremony-types.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, TEST_PASSPHRASE, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// `keywarden ceremony split` and `ceremony combine` as officers run them: an AES key split 2 of
// 3 among custodians into owner-only share files, then rebuilt from every pair into a new key
// with the same check value; the split recorded in the audit log without key or share; and bad
// shares refused with a code naming them.

let dir: TempDir;
let base: string[];
let key: KeyView;

const run = (...args: string[]) => runKeywarden([...args, ...base]);
const CUSTODIANS = ['--custodian', 'Carol', '--custodian', 'Dave', '--custodian', 'Erin'];
const errorLine = (stderr: string) => stderr.trim().split('\n')[0] ?? '';

beforeAll(async () => {
  dir = tempDir('keywarden-cli-ceremony-');
  const vaultPath = dir.file('v.kw');
  await makeVault(vaultPath);
  const vault = await unlockVault(vaultPath);
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Carol', ['custodian']],
    ['Dave', ['custodian']],
    ['Erin', ['custodian']],
    ['Mallory', ['engineer']],
  ]);
  vault.lock('tester');
  const passFile = dir.file('pass');
  writeFileSync(passFile, TEST_PASSPHRASE, { mode: 0o600 });
  base = ['--vault', vaultPath, '--passphrase-file', passFile, '--actor', 'Alice'];
  const made = await run(
    'keys',
    'generate',
    '--name',
    'zone master',
    '--algorithm',
    'aes256',
    '--purpose',
    'encrypt,decrypt',
    '--owner',
    'Alice',
    '--json',
  );
  expect(made.stderr).toBe('');
  key = JSON.parse(made.stdout) as KeyView;
});
afterAll(() => dir.cleanup());

describe('keywarden ceremony split and combine', () => {
  let split: KeySplitView;

  it('splits 2 of 3 into owner-only share files and records the split without key or share', async () => {
    const out = dir.file('shares');
    mkdirSync(out);
    const result = await run(
      'ceremony',
      'split',
      key.id,
      '--threshold',
      '2',
      ...CUSTODIANS,
      '--out-dir',
      out,
      '--json',
    );
    expect(result.stderr).toBe('');
    split = JSON.parse(result.stdout) as KeySplitView;
    expect(split).toMatchObject({ keyId: key.id, threshold: 2 });
    expect(split.kcv).toMatch(/^[0-9A-F]{6}$/);
    expect(split.kcvWords).toHaveLength(3);
    expect(readdirSync(out).sort()).toEqual(['1-carol.share', '2-dave.share', '3-erin.share']);
    for (const file of split.files) expect(statSync(file.path).mode & 0o777).toBe(0o600);
    const audit = JSON.parse((await run('audit', 'list', '--json')).stdout) as Array<{
      action: string;
      detail: Record<string, unknown>;
    }>;
    const entry = audit.find((e) => e.action === 'key.split');
    expect(entry?.detail).toMatchObject({
      ceremony: split.ceremony,
      threshold: 2,
      shares: 3,
      kcv: split.kcv,
      custodians: 'Carol, Dave, Erin',
    });
    const shareValue = (JSON.parse(readFileSync(split.files[0]!.path, 'utf8')) as { value: string })
      .value;
    expect(JSON.stringify(audit)).not.toContain(shareValue);
  });

  it('rebuilds the key from every pair, with the same check value; one share alone is QUORUM_NOT_MET', async () => {
    const paths = split.files.map((f) => f.path);
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const result = await run(
        'ceremony',
        'combine',
        '--share',
        paths[a]!,
        '--share',
        paths[b]!,
        '--name',
        `rebuilt ${a}${b}`,
        '--purpose',
        'encrypt,decrypt',
        '--owner',
        'Alice',
        '--json',
      );
      expect(result.stderr).toBe('');
      const combined = JSON.parse(result.stdout) as KeyCombineView;
      expect(combined).toMatchObject({ ceremony: split.ceremony, kcv: split.kcv, recorded: true });
      expect(combined.key.algorithm).toBe('aes256');
    }
    const alone = await run(
      'ceremony',
      'combine',
      '--share',
      paths[0]!,
      '--name',
      'x',
      '--purpose',
      'encrypt',
      '--owner',
      'Alice',
    );
    expect(errorLine(alone.stderr)).toMatch(/^error \[QUORUM_NOT_MET\]/);
    expect(alone.code).toBe(3);
  });

  it('refuses a damaged, duplicated or missing share naming it, and bad split requests', async () => {
    const paths = split.files.map((f) => f.path);
    const damaged = dir.file('damaged.share');
    writeFileSync(damaged, readFileSync(paths[1]!, 'utf8').replace(/"index": 2/, '"index": 3'));
    const cases: Array<[string[], RegExp]> = [
      [
        [
          'ceremony',
          'combine',
          '--share',
          paths[0]!,
          '--share',
          damaged,
          '--name',
          'x',
          '--purpose',
          'encrypt',
          '--owner',
          'Alice',
        ],
        /^error \[SHARE_INVALID\]: Share damaged\.share fails its integrity check/,
      ],
      [
        [
          'ceremony',
          'combine',
          '--share',
          paths[0]!,
          '--share',
          paths[0]!,
          '--name',
          'x',
          '--purpose',
          'encrypt',
          '--owner',
          'Alice',
        ],
        /^error \[SHARE_INVALID\]: Share 1-carol\.share repeats share 1-carol\.share/,
      ],
      [
        [
          'ceremony',
          'combine',
          '--share',
          dir.file('missing.share'),
          '--name',
          'x',
          '--purpose',
          'encrypt',
          '--owner',
          'Alice',
        ],
        /^error \[SHARE_INVALID\]: Share .*missing\.share cannot be read/,
      ],
      [
        [
          'ceremony',
          'split',
          key.id,
          '--threshold',
          '2',
          '--custodian',
          'Carol',
          '--custodian',
          'Mallory',
          '--out-dir',
          dir.path,
        ],
        /^error \[BAD_REQUEST\]: Mallory is not a custodian/,
      ],
      [
        [
          'ceremony',
          'split',
          key.id,
          '--threshold',
          '3',
          '--custodian',
          'Carol',
          '--custodian',
          'Dave',
          '--out-dir',
          dir.file('nowhere'),
        ],
        /^error \[BAD_REQUEST\]/,
      ],
      [
        [
          'ceremony',
          'split',
          key.id,
          '--custodian',
          'Carol',
          '--custodian',
          'Dave',
          '--out-dir',
          dir.path,
        ],
        /^error \[USAGE\]/,
      ],
    ];
    for (const [args, expected] of cases) {
      const result = await run(...args);
      expect(errorLine(result.stderr)).toMatch(expected);
    }
    // A refused split leaves no file behind.
    expect(readdirSync(dir.path).filter((name) => name.endsWith('.share'))).toEqual([
      'damaged.share',
    ]);
  });

  it('splits into XOR components and combines every one back; refuses a missing, mistyped or doubled-up one', async () => {
    const out = dir.file('components');
    mkdirSync(out);
    const splitRun = await run(
      'ceremony',
      'components',
      'split',
      key.id,
      ...CUSTODIANS,
      '--out-dir',
      out,
      '--json',
    );
    expect(splitRun.stderr).toBe('');
    const parts = JSON.parse(splitRun.stdout) as ComponentSplitView;
    expect(parts.kcv).toBe(split.kcv);
    expect(readdirSync(out).sort()).toEqual([
      '1-carol.component',
      '2-dave.component',
      '3-erin.component',
    ]);
    for (const file of parts.files) {
      expect(statSync(file.path).mode & 0o777).toBe(0o600);
      expect((JSON.parse(readFileSync(file.path, 'utf8')) as { kcv: string }).kcv).toBe(file.kcv);
    }
    const paths = parts.files.map((f) => f.path);
    const combine = (files: string[], ...more: string[]) =>
      run(
        'ceremony',
        'components',
        'combine',
        ...files.flatMap((f) => ['--component', f]),
        '--name',
        'from components',
        '--purpose',
        'encrypt',
        '--owner',
        'Alice',
        ...more,
      );
    const all = await combine(paths, '--kcv', split.kcv.toLowerCase(), '--json');
    expect(all.stderr).toBe('');
    expect((JSON.parse(all.stdout) as KeyCombineView).kcv).toBe(split.kcv);

    const typo = dir.file('typo.component');
    const text = readFileSync(paths[1]!, 'utf8');
    const value = (JSON.parse(text) as { value: string }).value;
    writeFileSync(typo, text.replace(value, `${value[0] === '0' ? '1' : '0'}${value.slice(1)}`));
    const twice = dir.file('twice.component');
    writeFileSync(
      twice,
      readFileSync(paths[2]!, 'utf8').replace('"custodian": "Erin"', '"custodian": "Carol"'),
    );
    const cases: Array<[string[], RegExp]> = [
      [[paths[0]!, paths[1]!], /^error \[QUORUM_NOT_MET\]: 2 of the 3 components/],
      [
        [paths[0]!, typo, paths[2]!],
        /^error \[SHARE_INVALID\]: Component typo\.component does not match its check value/,
      ],
      [[paths[0]!, paths[1]!, twice], /^error \[BAD_REQUEST\]: Carol holds two components/],
    ];
    for (const [files, expected] of cases)
      expect(errorLine((await combine(files)).stderr)).toMatch(expected);
    expect(errorLine((await combine(paths, '--kcv', '000000')).stderr)).toMatch(
      /^error \[KCV_MISMATCH\]/,
    );
  });
});
