import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare, splitSecret } from '../../../electron/core/ceremony/shares.ts';
import type { ShareObject } from '../../../electron/core/ceremony/shares.ts';
import {
  encodeShareText,
  isShareText,
  lineCheck,
} from '../../../electron/core/ceremony/share-text.ts';

// The text form of a share, as a sheet prints it and a custodian types it back: it round-trips
// every shape of share, reads back what a typist varies (case, spacing, line ends, text around
// it), and refuses every single mistyped character, naming the value line when it is in one.

const HEX = '0123456789ABCDEF';

/** The error code and message decodeShare throws for `text`, or 'OK'. */
function outcome(text: string, name = 'typed.txt'): { code: string; message: string } {
  try {
    decodeShare(text, name);
    return { code: 'OK', message: '' };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { code: code ?? 'NO_CODE', message };
  }
}

async function oneShare(custodian = 'Zoë Łukasiewicz', bytes = 32): Promise<ShareObject> {
  const { shares } = await splitSecret(
    randomBytes(bytes),
    2,
    [custodian, 'Dave', '王芳'],
    'aes256',
  );
  return shares[0]!;
}

describe('the text form of a share', () => {
  it('round-trips random secrets, shapes and names, and reads as the JSON form does', async () => {
    const names = ['Carol', 'Zoë Łukasiewicz', '王芳', 'O’Brien, Seán', 'a  b'];
    for (let round = 0; round < 60; round += 1) {
      const n = randomInt(2, 9);
      const custodians = Array.from({ length: n }, (_, i) => `${names[i % names.length]} ${i}`);
      const { shares } = await splitSecret(
        randomBytes(randomInt(1, 65)),
        randomInt(2, n + 1),
        custodians,
      );
      for (const share of shares) {
        const text = encodeShareText(share);
        expect(isShareText(text)).toBe(true);
        expect(decodeShare(text, 'typed.txt')).toEqual(share);
        expect(decodeShare(encodeShare(share), 'file.share')).toEqual(share);
      }
    }
  });

  it('prints the value in numbered lines of six groups of four hex digits with a line check', async () => {
    const share = await oneShare();
    const lines = encodeShareText(share).trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN KEYWARDEN SHARE-----');
    expect(lines.at(-1)).toBe('-----END KEYWARDEN SHARE-----');
    expect(lines).toContain(`Custodian: ${share.custodian}`);
    expect(lines).toContain(`Share: 1 of 3, threshold 2`);
    const values = lines.filter((line) => /^\d+: /.test(line));
    // 32 secret bytes and the x coordinate: 66 hex digits, 24 a line.
    expect(values.map((line) => line.replace(/ \[..\]$/, '').split(' ').length - 1)).toEqual([
      6, 6, 5,
    ]);
    const hex = Buffer.from(share.value, 'base64').toString('hex').toUpperCase();
    expect(values.map((line) => line.slice(3, -5).replaceAll(' ', '')).join('')).toBe(hex);
    for (const [i, line] of values.entries()) {
      const digits = line.slice(3, -5).replaceAll(' ', '');
      expect(line.slice(-4)).toBe(`[${lineCheck(i + 1, digits)}]`);
    }
  });

  it('refuses every single mistyped character, naming the value line when the typo is in one', async () => {
    const text = encodeShareText(await oneShare());
    const lines = text.split('\n');
    let tried = 0;
    for (let at = 0; at < text.length; at += 1) {
      const original = text[at]!;
      const substitutes = HEX.includes(original.toUpperCase())
        ? [...HEX].filter((c) => c !== original.toUpperCase())
        : ['x', '#'].filter((c) => c !== original.toLowerCase());
      const lineIndex = text.slice(0, at).split('\n').length - 1;
      const valueLine = /^(\d+): /.exec(lines[lineIndex] ?? '');
      for (const substitute of substitutes) {
        const typo = `${text.slice(0, at)}${substitute}${text.slice(at + 1)}`;
        const result = outcome(typo);
        expect(result.code, `"${substitute}" for "${original}" at ${at}`).toBe('SHARE_INVALID');
        expect(result.message).toMatch(/^Share typed\.txt /);
        // A changed hex digit of a value line is found on its line (by its line check, or
        // by its number when that was changed).
        if (valueLine && HEX.includes(original) && HEX.includes(substitute))
          expect(result.message).toMatch(new RegExp(`\\bline ${lineIndex + 1}\\b`));
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(2500);
  });

  it('refuses a dropped or an added hex digit in the value', async () => {
    const text = encodeShareText(await oneShare());
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (!/^\d+: /.test(line)) continue;
      for (let at = 3; at < line.length - 5; at += 1) {
        if (line[at] === ' ') continue;
        const dropped = `${line.slice(0, at)}${line.slice(at + 1)}`;
        const added = `${line.slice(0, at)}0${line.slice(at)}`;
        for (const changed of [dropped, added]) {
          const typed = lines.with(i, changed).join('\n');
          expect(outcome(typed).code).toBe('SHARE_INVALID');
        }
      }
    }
  });

  it('reads back what a typist varies: case, spacing, CRLF, blank lines, text around, a BOM', async () => {
    const share = await oneShare('Zoë Łukasiewicz');
    const text = encodeShareText(share);
    const loose = text
      .split('\n')
      .map((line) => (line.startsWith('Custodian:') ? line : line.toLowerCase()))
      .map((line) => `   ${line.replace(/ /g, '  ')}  `)
      .join('\r\n\r\n');
    const regrouped = text.replace(/^(\d+): (.*) \[/gm, (_m, n: string, groups: string) => {
      return `${n}: ${groups
        .replaceAll(' ', '')
        .replace(/(.{8})/g, '$1 ')
        .trim()} [`;
    });
    const wrapped = `\uFEFFFrom Zoë's sheet, typed on Monday:\n\n${text}\nThat is all.\n`;
    for (const variant of [loose, regrouped, wrapped, text.trimEnd()])
      expect(decodeShare(variant, 'typed.txt')).toEqual(share);
    // The name typed in another Unicode normal form (ë as e and a combining diaeresis).
    const decomposed = text.replace(share.custodian, share.custodian.normalize('NFD'));
    expect(decomposed).not.toBe(text);
    expect(decodeShare(decomposed, 'typed.txt')).toEqual(share);
  });

  it('names what is wrong with a damaged block, never echoing the value', async () => {
    const share = await oneShare();
    const text = encodeShareText(share);
    const hex = Buffer.from(share.value, 'base64').toString('hex').toUpperCase();
    const lines = text.split('\n');
    const cases: Array<[string, RegExp]> = [
      [text.replace(/-----END.*\n/, ''), /is cut short: its "-----END KEYWARDEN SHARE-----" line/],
      [text.replace(/KCV: .*\n/, ''), /is missing its "kcv" line/],
      [text.replace(/(Algorithm: .*\n)/, '$1$1'), /line 7 repeats the "Algorithm" line/],
      [
        lines.with(9, lines[10]!).with(10, lines[9]!).join('\n'),
        /value line 2 \(line 10\) is out of order: value line 1 was due/,
      ],
      [text.replace(/\n2: .*\n/, '\n'), /value line 3 \(line 11\) is out of order/],
      [text.replace('Share: 1 of 3', 'Share: 1 from 3'), /"Share" line not of the form/],
      [
        text.replace(/ \[(..)\]\n-----END/, ' ($1)\n-----END'),
        /value line 3 \(line 12\) is not hex groups/,
      ],
      [text.replace('Version: 1', 'Version: 2'), /has format version 2; this Keywarden reads 1/],
      [text.replace('Share: 1 of 3', 'Share: 4 of 3'), /has one out of range/],
      [
        text.replace(/^Ceremony: .*$/m, 'Ceremony: 00000000-0000-0000-0000-000000000000'),
        /a labelled line .* was mistyped/,
      ],
      [
        text.replace(/^Custodian: .*$/m, 'Custodian: Zoe Lukasiewicz'),
        /a labelled line .* was mistyped/,
      ],
      [
        `${text.split('\n').slice(0, 9).join('\n')}\n-----END KEYWARDEN SHARE-----\n`,
        /has no value lines/,
      ],
      ['Hello\nthere\n', /is not a Keywarden share/],
    ];
    for (const [typed, expected] of cases) {
      const result = outcome(typed);
      expect(result.code).toBe('SHARE_INVALID');
      expect(result.message).toMatch(expected);
      for (let at = 0; at + 8 <= hex.length; at += 4)
        expect(result.message).not.toContain(hex.slice(at, at + 8));
    }
  });
});
