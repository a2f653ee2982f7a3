import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SLIP39_WORDS,
  combineMnemonics,
  generateMnemonics,
} from '../../../electron/core/ceremony/slip39.ts';
import { KeywardenError } from '../../../electron/shared/errors.ts';
import vectorFile from './fixtures/slip39-vectors.json' with { type: 'json' };

// SLIP-0039 against Trezor's reference: the official test vectors (fixtures/slip39-vectors.json,
// verbatim from trezor/python-shamir-mnemonic vectors.json, 40 vectors, passphrase "TREZOR"),
// the five vectors the reference added later (below), and round trips through every minimal
// subset of generated shares, with too few refused and a wrong passphrase giving another secret.

type Vector = [description: string, mnemonics: string[], masterSecretHex: string];
const vectors = vectorFile as Vector[];
const TREZOR = Buffer.from('TREZOR');

// Vectors 41–45 of the reference's later vectors.json (extendable backups and a modular-
// arithmetic check), not in the stored revision above; transcribed from two independent copies
// of that file (a C port's test suite and a Python wallet's tests agree on 42 and 44).
const laterVectors: Vector[] = [
  [
    '41. Valid mnemonics which can detect some errors in modular arithmetic',
    [
      'herald flea academic cage avoid space trend estate dryer hairy evoke eyebrow improve airline artwork garlic premium duration prevent oven',
      'herald flea academic client blue skunk class goat luxury deny presence impulse graduate clay join blanket bulge survive dish necklace',
      'herald flea academic acne advance fused brother frozen broken game ranked ajar already believe check install theory angry exercise adult',
    ],
    'ad6f2ad8b59bbbaa01369b9006208d9a',
  ],
  [
    '42. Valid extendable mnemonic without sharing (128 bits)',
    [
      'testify swimming academic academic column loyalty smear include exotic bedroom exotic wrist lobe cover grief golden smart junior estimate learn',
    ],
    '1679b4516e0ee5954351d288a838f45e',
  ],
  [
    '43. Extendable basic sharing 2-of-3 (128 bits)',
    [
      'enemy favorite academic acid cowboy phrase havoc level response walnut budget painting inside trash adjust froth kitchen learn tidy punish',
      'enemy favorite academic always academic sniff script carpet romp kind promise scatter center unfair training emphasis evening belong fake enforce',
    ],
    '48b1a4b80b8c209ad42c33672bdaa428',
  ],
  [
    '44. Valid extendable mnemonic without sharing (256 bits)',
    [
      'impulse calcium academic academic alcohol sugar lyrics pajamas column facility finance tension extend space birthday rainbow swimming purple syndrome facility trial warn duration snapshot shadow hormone rhyme public spine counter easy hawk album',
    ],
    '8340611602fe91af634a5f4608377b5235fa2d757c51d720c0c7656249a3035f',
  ],
  [
    '45. Extendable basic sharing 2-of-3 (256 bits)',
    [
      'western apart academic always artist resident briefing sugar woman oven coding club ajar merit pecan answer prisoner artist fraction amount desktop mild false necklace muscle photo wealthy alpha category unwrap spew losing making',
      'western apart academic acid answer ancient auction flip image penalty oasis beaver multiple thunder problem switch alive heat inherit superior teaspoon explain blanket pencil numb lend punish endless aunt garlic humidity kidney observe',
    ],
    '8dc652d6d6cd370d8c963141f6d79ba440300f25c467302c1d966bff8f62300d',
  ],
];

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) =>
    subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]),
  );
}

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'OK';
  } catch (error) {
    return error instanceof KeywardenError ? error.code : `not a KeywardenError: ${String(error)}`;
  }
}

function messageOf(run: () => unknown): string {
  try {
    run();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('SLIP-39 word list', () => {
  it('has 1024 sorted words of 4–8 letters whose first four letters are unique', () => {
    expect(SLIP39_WORDS).toHaveLength(1024);
    expect(new Set(SLIP39_WORDS).size).toBe(1024);
    expect([...SLIP39_WORDS].sort()).toEqual(SLIP39_WORDS);
    expect(SLIP39_WORDS.every((word) => /^[a-z]{4,8}$/.test(word))).toBe(true);
    expect(new Set(SLIP39_WORDS.map((word) => word.slice(0, 4))).size).toBe(1024);
  });
});

describe('SLIP-39 official test vectors', () => {
  const valid = vectors.filter(([, , hex]) => hex !== '');
  const invalid = vectors.filter(([, , hex]) => hex === '');

  it('holds the 40 vectors, 10 valid and 30 invalid', () => {
    expect([vectors.length, valid.length, invalid.length]).toEqual([40, 10, 30]);
  });

  it.each([...valid, ...laterVectors])('%s', (_description, mnemonics, hex) => {
    expect(combineMnemonics(mnemonics, TREZOR).toString('hex')).toBe(hex);
  });

  it.each(invalid)('%s: refused', (_description, mnemonics) => {
    expect(['SHARE_INVALID', 'QUORUM_NOT_MET']).toContain(
      codeOf(() => combineMnemonics(mnemonics, TREZOR)),
    );
  });

  it('names the cause: checksum, padding, length, set, duplicate, digest, quorum', () => {
    const named = (n: number) => messageOf(() => combineMnemonics(vectors[n - 1]![1], TREZOR));
    expect(named(2)).toMatch(/Mnemonic 1 fails its checksum/);
    expect(named(3)).toMatch(/Mnemonic 1 has nonzero padding/);
    expect(named(6)).toMatch(/Mnemonic 2 belongs to another set/);
    expect(named(11)).toMatch(/Mnemonic 2 is member 3 of its group, as mnemonic 1 is/);
    expect(named(12)).toMatch(/Mnemonic 2 has another member threshold/);
    expect(named(13)).toMatch(/do not fit together/);
    expect(named(14)).toMatch(/needs 2 of its 4 groups/);
    expect(named(39)).toMatch(/Mnemonic 1 has 19 words/);
  });
});

describe('generateMnemonics then combineMnemonics', () => {
  const fast = { iterationExponent: 0 };

  it.each([
    [16, true],
    [16, false],
    [32, true],
    [32, false],
  ])('1-of-1, %i-byte secret, extendable %s', (length, extendable) => {
    const secret = randomBytes(length);
    const sets = generateMnemonics(secret, {
      ...fast,
      groupThreshold: 1,
      groups: [[1, 1]],
      extendable,
    });
    expect(sets).toHaveLength(1);
    const mnemonic = sets[0]![0]!;
    expect(mnemonic.split(' ')).toHaveLength(length === 16 ? 20 : 33);
    // The second word carries the extendable flag (bit 4) and the iteration exponent (bits 0–3).
    const idExpLow = SLIP39_WORDS.indexOf(mnemonic.split(' ')[1]!);
    expect([(idExpLow >> 4) & 1, idExpLow & 15]).toEqual([extendable ? 1 : 0, 0]);
    expect(combineMnemonics([mnemonic])).toEqual(secret);
  });

  it.each([true, false])(
    '2-of-3: every pair opens, no single share does (extendable %s)',
    (extendable) => {
      const secret = randomBytes(32);
      const passphrase = Buffer.from('correct horse');
      const [members] = generateMnemonics(secret, {
        ...fast,
        groupThreshold: 1,
        groups: [[2, 3]],
        passphrase,
        extendable,
      });
      expect(members).toHaveLength(3);
      for (const pair of subsets(members!, 2)) {
        expect(combineMnemonics(pair, passphrase)).toEqual(secret);
        expect(combineMnemonics([...pair].reverse(), passphrase)).toEqual(secret);
      }
      for (const single of members!)
        expect(codeOf(() => combineMnemonics([single], passphrase))).toBe('QUORUM_NOT_MET');
    },
  );

  it.each([true, false])(
    'groups 2 of [1-of-1, 2-of-3, 3-of-5]: every minimal subset opens (extendable %s)',
    (extendable) => {
      const secret = randomBytes(16);
      const groups: Array<[number, number]> = [
        [1, 1],
        [2, 3],
        [3, 5],
      ];
      const sets = generateMnemonics(secret, { ...fast, groupThreshold: 2, groups, extendable });
      expect(sets.map((set) => set.length)).toEqual([1, 3, 5]);
      // Every mnemonic of the set shares the identifier words; each group shares a third word.
      const prefix = sets[0]![0]!.split(' ').slice(0, 2).join(' ');
      expect(sets.flat().every((m) => m.startsWith(`${prefix} `))).toBe(true);
      const quorums = sets.map((set, g) => subsets(set, groups[g]![0]));
      let opened = 0;
      for (const [a, b] of subsets([0, 1, 2], 2)) {
        for (const left of quorums[a!]!)
          for (const right of quorums[b!]!) {
            expect(combineMnemonics([...right, ...left])).toEqual(secret);
            opened += 1;
          }
      }
      expect(opened).toBe(1 * 3 + 1 * 10 + 3 * 10);
      // One group alone, or two groups with one short a member, is not enough.
      expect(codeOf(() => combineMnemonics(sets[2]!.slice(0, 3)))).toBe('QUORUM_NOT_MET');
      expect(codeOf(() => combineMnemonics([...sets[0]!, ...sets[2]!.slice(0, 2)]))).toBe(
        'QUORUM_NOT_MET',
      );
    },
  );

  it('a wrong passphrase gives another secret, not an error', () => {
    const secret = randomBytes(16);
    const passphrase = Buffer.from('TREZOR');
    const [members] = generateMnemonics(secret, {
      ...fast,
      groupThreshold: 1,
      groups: [[2, 3]],
      passphrase,
    });
    const pair = members!.slice(0, 2);
    expect(combineMnemonics(pair, passphrase)).toEqual(secret);
    const other = combineMnemonics(pair, Buffer.from('TREZOR '));
    expect(other).toHaveLength(16);
    expect(other).not.toEqual(secret);
    expect(combineMnemonics(pair)).not.toEqual(secret);
  });

  it('defaults to the reference: extendable, iteration exponent 1', () => {
    const secret = randomBytes(16);
    const [[mnemonic]] = generateMnemonics(secret, { groupThreshold: 1, groups: [[1, 1]] }) as [
      [string],
    ];
    const idExpLow = SLIP39_WORDS.indexOf(mnemonic.split(' ')[1]!);
    expect([(idExpLow >> 4) & 1, idExpLow & 15]).toEqual([1, 1]);
    expect(combineMnemonics([mnemonic])).toEqual(secret);
  });

  it('reads mnemonics in any case and spacing', () => {
    const [words] = vectors[0]![1];
    const messy = `  ${words!.toUpperCase().split(' ').join('   ')}\n`;
    expect(combineMnemonics([messy], TREZOR).toString('hex')).toBe(vectors[0]![2]);
  });
});

describe('combineMnemonics refuses', () => {
  const secret = Buffer.alloc(16, 0x5a);
  const options = { iterationExponent: 0, groupThreshold: 1, groups: [[2, 3]] } as const;
  const [members] = generateMnemonics(secret, { ...options, groups: [[2, 3]] });
  const [a, b, c] = members as [string, string, string];

  it('no mnemonic at all', () => {
    expect(codeOf(() => combineMnemonics([]))).toBe('QUORUM_NOT_MET');
  });

  it('a mistyped word, naming the mnemonic and never echoing the word', () => {
    const words = b.split(' ');
    words[5] = words[5] === 'academic' ? 'acid' : 'academic';
    const message = messageOf(() => combineMnemonics([a, words.join(' ')]));
    expect(message).toMatch(/^Mnemonic 2 fails its checksum/);
    expect(codeOf(() => combineMnemonics([a, words.join(' ')]))).toBe('SHARE_INVALID');
  });

  it('a word not in the list, by position only', () => {
    const words = b.split(' ');
    const secretWord = words[7]!;
    words[7] = 'zzzz';
    const message = messageOf(() => combineMnemonics([a, words.join(' ')]));
    expect(message).toBe('Mnemonic 2: word 8 is not in the SLIP-39 word list.');
    expect(message).not.toContain(secretWord);
  });

  it('the same mnemonic twice', () => {
    expect(codeOf(() => combineMnemonics([a, a]))).toBe('SHARE_INVALID');
  });

  it('more mnemonics than the threshold, as the reference does', () => {
    expect(codeOf(() => combineMnemonics([a, b, c]))).toBe('SHARE_INVALID');
  });

  it('mnemonics from two different sets', () => {
    const [others] = generateMnemonics(secret, { ...options, groups: [[2, 3]] });
    expect(codeOf(() => combineMnemonics([a, others![1]!]))).toBe('SHARE_INVALID');
  });

  it('a passphrase that is not printable ASCII', () => {
    expect(codeOf(() => combineMnemonics([a, b], Buffer.from('café')))).toBe('BAD_REQUEST');
  });
});

describe('generateMnemonics refuses', () => {
  const secret = randomBytes(16);
  const base = {
    iterationExponent: 0,
    groupThreshold: 1,
    groups: [[1, 1]] as Array<[number, number]>,
  };
  it.each([
    ['a 14-byte secret', randomBytes(14), base],
    ['an odd-length secret', randomBytes(17), base],
    ['threshold 1 with several members', secret, { ...base, groups: [[1, 2]] }],
    ['a member threshold above the count', secret, { ...base, groups: [[3, 2]] }],
    ['17 members', secret, { ...base, groups: [[2, 17]] }],
    ['a group threshold above the groups', secret, { ...base, groupThreshold: 2 }],
    ['a group threshold of 0', secret, { ...base, groupThreshold: 0 }],
    ['iteration exponent 16', secret, { ...base, iterationExponent: 16 }],
    ['a non-ASCII passphrase', secret, { ...base, passphrase: Buffer.from('pässword') }],
  ] as const)('%s', (_what, master, options) => {
    expect(
      codeOf(() => generateMnemonics(master, options as Parameters<typeof generateMnemonics>[1])),
    ).toBe('BAD_REQUEST');
  });
});
