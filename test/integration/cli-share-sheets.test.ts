import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeShare } from '../../electron/core/ceremony/shares.ts';
import { encodeShareText } from '../../electron/core/ceremony/share-text.ts';
import type { KeyCombineView, KeySplitView } from '../../electron/shared/ceremony-types.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { cliVault } from '../helpers/cli-vault.ts';
import type { CliVault } from '../helpers/cli-vault.ts';

// `keywarden ceremony split --format pdf` as officers run it: a share file and a printed sheet
// per custodian, read back with the tools a person would use: poppler's pdftotext and pdfinfo
// show what the page says, pdftoppm prints it at 150 dpi and zbarimg scans its QR code. The
// scanned texts and a retyped sheet rebuild the key; a mistyped sheet is refused naming its
// line; a refused split leaves no file.

let vault: CliVault;
let key: KeyView;

const run = (...args: string[]) => vault.run(args);
const errorLine = (stderr: string) => stderr.trim().split('\n')[0] ?? '';
const NAMES = ['Carol', 'Zoë Łukasiewicz', '王芳'];
const CUSTODIANS = NAMES.flatMap((name) => ['--custodian', name]);

/** A poppler or zbar tool's standard output. */
const tool = (command: string, ...args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** What zbarimg reads from the QR code of `pdf`, printed at 150 dpi. */
function scanQr(pdf: string): string {
  const png = pdf.replace(/\.pdf$/, '-printed');
  tool('pdftoppm', '-r', '150', '-png', '-singlefile', pdf, png);
  // zbarimg ends its output with one newline of its own.
  return tool('zbarimg', '--raw', '-q', `${png}.png`).replace(/\n$/, '');
}

beforeAll(async () => {
  vault = await cliVault('keywarden-cli-sheets-', [
    ['Alice', ['officer']],
    ...NAMES.map((name): [string, string[]] => [name, ['custodian']]),
    ['Mallory', ['engineer']],
  ]);
  key = await vault.generate('zone master', 'aes256', 'encrypt,decrypt');
});
afterAll(() => vault.dir.cleanup());

/** `ceremony split --format pdf` of the test key, 2 of 3, into folder `out` (made if absent). */
function splitKey(out: string, ...more: string[]) {
  return run(
    'ceremony',
    'split',
    key.id,
    '--threshold',
    '2',
    ...CUSTODIANS,
    '--out-dir',
    out,
    '--format',
    'pdf',
    ...more,
  );
}

let rebuilt = 0;
function combine(files: readonly string[]) {
  rebuilt += 1;
  return run(
    'ceremony',
    'combine',
    ...files.flatMap((file) => ['--share', file]),
    '--name',
    `from sheets ${rebuilt}`,
    '--purpose',
    'encrypt,decrypt',
    '--owner',
    'Alice',
    '--json',
  );
}

describe('keywarden ceremony split --format pdf', () => {
  let split: KeySplitView;
  /** Each custodian's share in its text form, made from the `.share` file the split wrote. */
  let texts: string[];

  it('writes a share file and a one-page sheet per custodian, owner-only, listed in JSON', async () => {
    const out = vault.dir.file('sheets');
    mkdirSync(out);
    const result = await splitKey(out, '--json');
    expect(result.stderr).toBe('');
    split = JSON.parse(result.stdout) as KeySplitView;
    expect(split.files.map((f) => f.custodian)).toEqual(NAMES);
    const written = split.files.flatMap((f) => [f.path, f.sheet!]);
    expect(readdirSync(out).sort()).toEqual(
      written.map((path) => path.slice(out.length + 1)).sort(),
    );
    for (const file of split.files) {
      expect(file.path).toMatch(/\.share$/);
      expect(file.sheet).toMatch(/\.pdf$/);
      expect(statSync(file.path).mode & 0o777).toBe(0o600);
      expect(statSync(file.sheet!).mode & 0o777).toBe(0o600);
      expect(tool('pdfinfo', file.sheet!)).toMatch(/^Pages:\s+1$/m);
    }
    texts = split.files.map((f) =>
      encodeShareText(decodeShare(readFileSync(f.path, 'utf8'), f.path)),
    );
  });

  it('shows the custodian (in any script), ceremony, check, KCV and the value groups on each page', () => {
    for (const [i, file] of split.files.entries()) {
      const page = tool('pdftotext', '-layout', file.sheet!, '-');
      const share = decodeShare(texts[i]!, file.sheet!);
      expect(page).toContain(NAMES[i]!);
      expect(page).toContain(split.ceremony);
      expect(page).toContain(`${key.name} (${key.id})`);
      expect(page).toContain(share.check.toUpperCase().match(/.{4}/g)!.join(' '));
      expect(page).toContain(split.kcv);
      // Words wrap in the column beside the QR code.
      const flowing = page.replace(/\s+/g, ' ');
      expect(flowing).toContain(`${split.kcv} (${split.kcvWords.join(' ')})`);
      expect(flowing).toContain(split.fingerprintWords.join(' '));
      const pageLines = page.split('\n').map((line) => line.trim());
      // Every line of the text form, value lines with their line checks included, as printed.
      for (const line of texts[i]!.trimEnd().split('\n')) expect(pageLines).toContain(line);
    }
  });

  it('carries nothing in its metadata but a title, its maker and a fixed date', () => {
    for (const file of split.files) {
      const info = tool('pdfinfo', file.sheet!);
      expect(info).toMatch(/^Title:\s+Keywarden share sheet$/m);
      expect(info).toMatch(/^CreationDate:.*2000/m);
      expect(info).not.toMatch(/^(Author|Subject|Keywords|ModDate):/m);
      expect(info).not.toContain(split.ceremony);
      expect(info).not.toContain(file.custodian);
    }
  });

  it('holds exactly the share text in its QR code, and the scanned texts rebuild the key', async () => {
    const scanned = split.files.map((file) => scanQr(file.sheet!));
    expect(scanned).toEqual(texts);
    // Zoë's and 王芳's scans, saved as files, are enough.
    const files = [1, 2].map((i) => {
      const path = vault.dir.file(`scanned-${i}.txt`);
      writeFileSync(path, `${scanned[i]!}\n`);
      return path;
    });
    const result = await combine(files);
    expect(result.stderr).toBe('');
    const combined = JSON.parse(result.stdout) as KeyCombineView;
    expect(combined).toMatchObject({ ceremony: split.ceremony, kcv: split.kcv, recorded: true });
  });

  it('rebuilds the key from a sheet typed back loosely, and names the line of a typo', async () => {
    // Typed in lower case, groups spaced out, with CRLF line ends: still the same share.
    const loose = texts[0]!
      .split('\n')
      .map((line) => (line.startsWith('Custodian:') ? line : line.toLowerCase()))
      .map((line) => line.replace(/ ([0-9a-f]{4}) /g, '  $1   '))
      .join('\r\n');
    const typed = vault.dir.file('typed.txt');
    writeFileSync(typed, loose);
    const combined = await combine([typed, split.files[2]!.path]);
    expect(combined.stderr).toBe('');
    expect((JSON.parse(combined.stdout) as KeyCombineView).kcv).toBe(split.kcv);

    const lines = texts[1]!.split('\n');
    const at = lines.findIndex((line) => line.startsWith('2: '));
    const digit = lines[at]![3]!;
    lines[at] = `2: ${digit === '0' ? '1' : '0'}${lines[at]!.slice(4)}`;
    const mistyped = vault.dir.file('mistyped.txt');
    writeFileSync(mistyped, lines.join('\n'));
    const refused = await combine([split.files[0]!.path, mistyped]);
    expect(errorLine(refused.stderr)).toBe(
      `error [SHARE_INVALID]: Share mistyped.txt value line 2 (line ${at + 1}) does not match its line check: it was mistyped. Compare it with the printed sheet.`,
    );
    expect(refused.stderr).not.toContain(lines[at]!.slice(3, 12));
  });

  it('lists the printed sheets in its human output', async () => {
    const out = vault.dir.file('human');
    mkdirSync(out);
    const result = await splitKey(out);
    expect(result.code).toBe(0);
    for (const name of readdirSync(out).filter((n) => n.endsWith('.pdf')))
      expect(result.stdout).toContain(`printed sheet: ${out}/${name}`);
    expect(result.stdout).toContain('Print each sheet');
  });

  it('leaves no file when the folder is missing, a file is in the way, or the split is refused', async () => {
    const missing = await splitKey(vault.dir.file('nowhere'));
    expect(errorLine(missing.stderr)).toMatch(
      /^error \[BAD_REQUEST\]: Cannot write .*nowhere.*\(its folder does not exist\)/,
    );

    const blocked = vault.dir.file('blocked');
    mkdirSync(blocked);
    // The last sheet's name is taken: every file made before it is removed again.
    writeFileSync(`${blocked}/3-custodian.pdf`, 'not mine');
    const inTheWay = await splitKey(blocked);
    expect(errorLine(inTheWay.stderr)).toMatch(
      /^error \[BAD_REQUEST\]: Cannot write .*3-custodian\.pdf .*no share or sheet file was written/,
    );
    expect(readdirSync(blocked)).toEqual(['3-custodian.pdf']);
    expect(readFileSync(`${blocked}/3-custodian.pdf`, 'utf8')).toBe('not mine');

    // The files are made, then the key is read: a custodian without the role is refused there.
    const refusedDir = vault.dir.file('refused');
    mkdirSync(refusedDir);
    const refused = await run(
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
      refusedDir,
      '--format',
      'pdf',
    );
    expect(errorLine(refused.stderr)).toMatch(/^error \[BAD_REQUEST\]: Mallory is not a custodian/);
    expect(readdirSync(refusedDir)).toEqual([]);

    const unknown = await run(
      'ceremony',
      'split',
      key.id,
      '--threshold',
      '2',
      ...CUSTODIANS,
      '--out-dir',
      refusedDir,
      '--format',
      'png',
    );
    expect(errorLine(unknown.stderr)).toMatch(
      /^error \[USAGE\]: --format takes file, pdf or slip39/,
    );
  });
});
