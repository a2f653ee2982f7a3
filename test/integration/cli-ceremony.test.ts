import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type {
  ComponentSplitView,
  KeyCombineView,
  KeySplitView,
} from '../../electron/shared/ceremony-types.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { qrSegments } from '../../electron/core/ceremony/share-sheet.ts';
import { encodeShareText } from '../../electron/core/ceremony/share-text.ts';
import { decodeShare } from '../../electron/core/ceremony/shares.ts';
import { cliVault, runAtTerminal } from '../helpers/cli-vault.ts';
import type { CliVault } from '../helpers/cli-vault.ts';

// `keywarden ceremony split` and `ceremony combine` as officers run them: an AES key split 2 of
// 3 among custodians into owner-only share files, then rebuilt from every pair into a new key
// with the same check value; the split recorded in the audit log without key or share; and bad
// shares refused with a code naming them.

let vault: CliVault;
let key: KeyView;

const run = (...args: string[]) => vault.run(args);
const CUSTODIANS = ['--custodian', 'Carol', '--custodian', 'Dave', '--custodian', 'Erin'];
const errorLine = (stderr: string) => stderr.trim().split('\n')[0] ?? '';

beforeAll(async () => {
  vault = await cliVault('keywarden-cli-ceremony-', [
    ['Alice', ['officer']],
    ['Carol', ['custodian']],
    ['Dave', ['custodian']],
    ['Erin', ['custodian']],
    ['Mallory', ['engineer']],
  ]);
  key = await vault.generate('zone master', 'aes256', 'encrypt,decrypt');
});
afterAll(() => vault.dir.cleanup());

/** `ceremony split` of the test key, 2 of 3 among Carol, Dave and Erin, into a new folder. */
function splitKey(folder: string, ...more: string[]) {
  const out = vault.dir.file(folder);
  mkdirSync(out);
  return run(
    'ceremony',
    'split',
    key.id,
    '--threshold',
    '2',
    ...CUSTODIANS,
    '--out-dir',
    out,
    ...more,
  );
}

let rebuilt = 0;
/** `ceremony combine` of share files into a new key (a name of its own each time) owned by Alice. */
function combineShares(files: readonly string[], ...more: string[]) {
  rebuilt += 1;
  const shares = files.flatMap((file) => ['--share', file]);
  return run(
    'ceremony',
    'combine',
    ...shares,
    '--name',
    `rebuilt ${rebuilt}`,
    '--purpose',
    'encrypt,decrypt',
    '--owner',
    'Alice',
    ...more,
  );
}

describe('keywarden ceremony split and combine', () => {
  let split: KeySplitView;

  it('splits 2 of 3 into owner-only share files and records the split without key or share', async () => {
    const out = vault.dir.file('shares');
    const result = await splitKey('shares', '--json');
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
      const result = await combineShares([paths[a]!, paths[b]!], '--json');
      expect(result.stderr).toBe('');
      const combined = JSON.parse(result.stdout) as KeyCombineView;
      expect(combined).toMatchObject({ ceremony: split.ceremony, kcv: split.kcv, recorded: true });
      expect(combined.key.algorithm).toBe('aes256');
    }
    const alone = await combineShares([paths[0]!]);
    expect(errorLine(alone.stderr)).toMatch(/^error \[QUORUM_NOT_MET\]/);
    expect(alone.code).toBe(3);
  });

  it('refuses a damaged, duplicated or missing share naming it, and bad split requests', async () => {
    const paths = split.files.map((f) => f.path);
    const damaged = vault.dir.file('damaged.share');
    writeFileSync(damaged, readFileSync(paths[1]!, 'utf8').replace(/"index": 2/, '"index": 3'));
    const combines: Array<[string[], RegExp]> = [
      [
        [paths[0]!, damaged],
        /^error \[SHARE_INVALID\]: Share damaged\.share fails its integrity check/,
      ],
      [
        [paths[0]!, paths[0]!],
        /^error \[SHARE_INVALID\]: Share 1-carol\.share repeats share 1-carol\.share/,
      ],
      [
        [vault.dir.file('missing.share')],
        /^error \[SHARE_INVALID\]: Share .*missing\.share cannot be read/,
      ],
    ];
    for (const [files, expected] of combines) {
      expect(errorLine((await combineShares(files)).stderr)).toMatch(expected);
    }
    const splitWith = (...args: string[]) => run('ceremony', 'split', key.id, ...args);
    const splits: Array<[string[], RegExp]> = [
      [
        [
          '--threshold',
          '2',
          '--custodian',
          'Carol',
          '--custodian',
          'Mallory',
          '--out-dir',
          vault.dir.path,
        ],
        /^error \[BAD_REQUEST\]: Mallory is not a custodian/,
      ],
      [
        [
          '--threshold',
          '3',
          '--custodian',
          'Carol',
          '--custodian',
          'Dave',
          '--out-dir',
          vault.dir.file('nowhere'),
        ],
        /^error \[BAD_REQUEST\]/,
      ],
      [
        ['--custodian', 'Carol', '--custodian', 'Dave', '--out-dir', vault.dir.path],
        /^error \[USAGE\]/,
      ],
    ];
    for (const [args, expected] of splits) {
      expect(errorLine((await splitWith(...args)).stderr)).toMatch(expected);
    }
    // A refused split leaves no file behind.
    expect(readdirSync(vault.dir.path).filter((name) => name.endsWith('.share'))).toEqual([
      'damaged.share',
    ]);
  });

  it('splits into XOR components and combines every one back; refuses a missing, mistyped or doubled-up one', async () => {
    const out = vault.dir.file('components');
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
      const component = JSON.parse(readFileSync(file.path, 'utf8')) as {
        kcv: string;
        value: string;
      };
      expect(component.kcv).toBe(file.kcv);
      // The legacy form too: the zero block encrypted under the component (AES-256-ECB here).
      const cipher = createCipheriv(
        'aes-256-ecb',
        Buffer.from(component.value.replace(/ /g, ''), 'hex'),
        null,
      );
      const zero = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]);
      expect(file.legacyKcv).toBe(zero.subarray(0, 3).toString('hex').toUpperCase());
    }
    expect(parts.legacyKcv).toMatch(/^[0-9A-F]{6}$/);
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

    const typo = vault.dir.file('typo.component');
    const text = readFileSync(paths[1]!, 'utf8');
    const value = (JSON.parse(text) as { value: string }).value;
    writeFileSync(typo, text.replace(value, `${value[0] === '0' ? '1' : '0'}${value.slice(1)}`));
    const twice = vault.dir.file('twice.component');
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

  it('enters a key from components typed by each custodian at the terminal, one each', async () => {
    const out = vault.dir.file('typed');
    mkdirSync(out);
    const splitRun = await run(
      'ceremony',
      'components',
      'split',
      key.id,
      '--custodian',
      'Carol',
      '--custodian',
      'Dave',
      '--out-dir',
      out,
      '--json',
    );
    const parts = JSON.parse(splitRun.stdout) as ComponentSplitView;
    const hex = parts.files.map(
      (f) => (JSON.parse(readFileSync(f.path, 'utf8')) as { value: string }).value,
    );
    // Carol types hers; then tries again as the second custodian and is turned away; Dave
    // mistypes his once, sees a check value he does not know, says no, and types it again.
    const answers: Array<[RegExp, string]> = [
      [/Custodian entering component 1 of 2: $/, 'Carol'],
      [/Component 1, in hex \(not shown\): $/, hex[0]!],
      [/\[y\/N\] $/, 'y'],
      [/Custodian entering component 2 of 2: $/, 'carol'],
      [/Custodian entering component 2 of 2: $/, 'Dave'],
      [
        /Component 2, in hex \(not shown\): $/,
        `0${hex[1]!.slice(1)}` === hex[1] ? `1${hex[1]!.slice(1)}` : `0${hex[1]!.slice(1)}`,
      ],
      [/\[y\/N\] $/, 'n'],
      [/Custodian entering component 2 of 2: $/, 'Dave'],
      [/Component 2, in hex \(not shown\): $/, hex[1]!],
      [/\[y\/N\] $/, 'y'],
    ];
    const { code, seen, unasked } = await runAtTerminal(
      [
        'ceremony',
        'components',
        'enter',
        '--count',
        '2',
        '--kcv',
        parts.kcv,
        '--name',
        'typed',
        '--purpose',
        'encrypt',
        '--owner',
        'Alice',
        '--json',
        ...vault.base,
      ],
      answers,
    );
    expect(unasked).toBe(0);
    expect(code).toBe(0);
    expect(seen).toContain('carol has entered a component already');
    expect(seen).toContain(`Check value of component 2: ${parts.files[1]!.kcv}`);
    expect(seen).not.toContain(hex[0]!);
    expect(seen).not.toContain(hex[1]!);
    const entered = JSON.parse(
      seen.slice(seen.indexOf('{'), seen.lastIndexOf('}') + 1),
    ) as KeyCombineView;
    expect(entered.kcv).toBe(parts.kcv);
  });

  it('splits into SLIP-39 mnemonics (--format slip39) and rebuilds the key from any two', async () => {
    const result = await splitKey('slip39', '--format', 'slip39', '--json');
    expect(result.stderr).toBe('');
    const words = JSON.parse(result.stdout) as KeySplitView;
    expect(words.kcv).toBe(split.kcv);
    const paths = words.files.map((f) => f.path);
    for (const path of paths) {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      // A 256-bit secret is 33 words.
      expect(readFileSync(path, 'utf8').trim().split(/\s+/)).toHaveLength(33);
    }
    const fromWords = JSON.parse(
      (await combineShares([paths[2]!, paths[0]!], '--json')).stdout,
    ) as KeyCombineView;
    expect(fromWords).toMatchObject({ kcv: split.kcv, recorded: true, ceremony: words.ceremony });
    expect(errorLine((await combineShares([paths[1]!])).stderr)).toMatch(
      /^error \[QUORUM_NOT_MET\]/,
    );
    const altered = vault.dir.file('altered.share');
    const text = readFileSync(paths[1]!, 'utf8').trim().split(' ');
    text[10] = text[10] === 'academic' ? 'acid' : 'academic';
    writeFileSync(altered, `${text.join(' ')}\n`);
    expect(errorLine((await combineShares([paths[0]!, altered])).stderr)).toMatch(
      /^error \[SHARE_INVALID\]: Mnemonic 2/,
    );
  });

  it('splits a private key (P-256, Ed25519, RSA) as PKCS#8; any two rebuild the same key pair, which signs', async () => {
    for (const algorithm of ['p256', 'ed25519', 'rsa3072']) {
      const made = await run(
        'keys',
        'generate',
        '--name',
        `root ${algorithm}`,
        '--algorithm',
        algorithm,
        '--purpose',
        'sign,verify',
        '--owner',
        'Alice',
        '--tier',
        '3',
        '--json',
      );
      const root = JSON.parse(made.stdout) as KeyView;
      const out = vault.dir.file(`private-${algorithm}`);
      mkdirSync(out);
      const result = await run(
        'ceremony',
        'split',
        root.id,
        '--threshold',
        '2',
        ...CUSTODIANS,
        '--out-dir',
        out,
        '--format',
        'pdf',
        '--json',
      );
      expect(result.stderr).toBe('');
      const pieces = JSON.parse(result.stdout) as KeySplitView;
      expect(pieces.files.every((f) => f.sheet?.endsWith('.pdf'))).toBe(true);
      // An RSA key's share is too long for one QR code: its sheet spreads it over several.
      const images = vault.dir.file(`sheet-${algorithm}`);
      execFileSync('pdftoppm', ['-r', '110', '-png', pieces.files[0]!.sheet!, images]);
      const pngs = readdirSync(vault.dir.path)
        .filter((name) => name.startsWith(`sheet-${algorithm}`))
        .map((name) => vault.dir.file(name));
      // zbarimg exits 4 when a page holds no code (a page of text only); its output is what counts.
      const scanned = spawnSync('zbarimg', ['-q', ...pngs], { encoding: 'utf8' }).stdout;
      const share = decodeShare(readFileSync(pieces.files[0]!.path, 'utf8'), 'share 1');
      const segments = qrSegments(encodeShareText(share));
      expect(scanned.match(/^QR-Code:/gm)).toHaveLength(segments.length);
      if (algorithm === 'rsa3072') expect(segments.length).toBeGreaterThan(2);
      const again = await run(
        'ceremony',
        'combine',
        '--share',
        pieces.files[2]!.path,
        '--share',
        pieces.files[0]!.path,
        '--name',
        `root ${algorithm} rebuilt`,
        '--purpose',
        'sign,verify',
        '--owner',
        'Alice',
        '--json',
      );
      expect(again.stderr).toBe('');
      const rebuiltKey = (JSON.parse(again.stdout) as KeyCombineView).key;
      expect(rebuiltKey).toMatchObject({
        algorithm,
        fingerprint: root.fingerprint,
        publicKey: root.publicKey,
      });
      // The rebuilt key signs, and the original's public key verifies it.
      const data = vault.dir.file(`data-${algorithm}`);
      writeFileSync(data, 'signed by a rebuilt key');
      const signature = vault.dir.file(`sig-${algorithm}`);
      expect(
        (await run('keys', 'sign', rebuiltKey.id, '--in', data, '--out', signature)).code,
      ).toBe(0);
      const verified = await run('keys', 'verify', root.id, '--in', data, '--signature', signature);
      expect(verified.code).toBe(0);
    }
  }, 120_000);

  it('refuses SLIP-39 words for a private key, and a key with no private part', async () => {
    const made = await run(
      'keys',
      'generate',
      '--name',
      'words?',
      '--algorithm',
      'ed25519',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--tier',
      '3',
      '--json',
    );
    const signing = JSON.parse(made.stdout) as KeyView;
    const out = vault.dir.file('no-words');
    mkdirSync(out);
    const words = await run(
      'ceremony',
      'split',
      signing.id,
      '--threshold',
      '2',
      ...CUSTODIANS,
      '--out-dir',
      out,
      '--format',
      'slip39',
    );
    expect(errorLine(words.stderr)).toMatch(
      /^error \[FORMAT_UNSUPPORTED\]: SLIP-39 words carry secret keys/,
    );
    expect(readdirSync(out)).toEqual([]);
    const pem = vault.dir.file('public-only.pem');
    expect(
      (await run('keys', 'export-public', signing.id, '--format', 'pem', '--out', pem)).code,
    ).toBe(0);
    const imported = await run(
      'keys',
      'import',
      '--file',
      pem,
      '--name',
      'public only',
      '--purpose',
      'verify',
      '--owner',
      'Alice',
      '--json',
    );
    expect(imported.stderr).toBe('');
    const publicOnly = JSON.parse(imported.stdout) as KeyView;
    const refused = await run(
      'ceremony',
      'split',
      publicOnly.id,
      '--threshold',
      '2',
      ...CUSTODIANS,
      '--out-dir',
      out,
    );
    expect(errorLine(refused.stderr)).toMatch(/^error \[FORMAT_UNSUPPORTED\]: .*public key only/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('takes the key as --key ID too, as the ID operand or the option but not both', async () => {
    const out = vault.dir.file('by-option');
    mkdirSync(out);
    const byOption = await run(
      'ceremony',
      'split',
      '--key',
      key.id,
      '--threshold',
      '2',
      ...CUSTODIANS,
      '--out-dir',
      out,
      '--json',
    );
    expect(byOption.stderr).toBe('');
    expect((JSON.parse(byOption.stdout) as KeySplitView).keyId).toBe(key.id);
    const both = await run(
      'ceremony',
      'split',
      key.id,
      '--key',
      key.id,
      '--threshold',
      '2',
      ...CUSTODIANS,
      '--out-dir',
      vault.dir.file('both'),
    );
    expect(errorLine(both.stderr)).toMatch(/^error \[USAGE\]: Name the key to split once/);
    const neither = await run('ceremony', 'components', 'split', ...CUSTODIANS, '--out-dir', out);
    expect(errorLine(neither.stderr)).toMatch(/^error \[USAGE\]/);
    expect(readdirSync(out)).toHaveLength(3);
  });
});
