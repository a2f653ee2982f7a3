import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import wordList from '../../../resources/pgp-words.json' with { type: 'json' };
import {
  fromPgpWords,
  hexToPgpWords,
  toPgpWords,
} from '../../../electron/core/ceremony/pgp-words.ts';

// The PGP word list: the published example reads as published, the two lists are complete and
// distinct, and words read back to the bytes they stand for, refusing a dropped or unknown word.

describe('PGP words', () => {
  it('read the published example fingerprint as published', () => {
    expect(hexToPgpWords('E58294F2E9A227486E8B061B31CC528FD7FA3F19').join(' ')).toBe(
      'topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa ' +
        'afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell bottomless',
    );
  });

  it('have 256 even and 256 odd words, all different', () => {
    expect(wordList.even).toHaveLength(256);
    expect(wordList.odd).toHaveLength(256);
    expect(new Set([...wordList.even, ...wordList.odd].map((w) => w.toLowerCase())).size).toBe(512);
  });

  it('read back to the bytes, in any case', () => {
    for (let round = 0; round < 50; round += 1) {
      const bytes = randomBytes(1 + (round % 20));
      const words = toPgpWords(bytes);
      expect(fromPgpWords(words)).toEqual(bytes);
      expect(fromPgpWords(words.map((w) => w.toUpperCase()))).toEqual(bytes);
    }
  });

  it('refuse a dropped word, an unknown word and odd hex with BAD_REQUEST', () => {
    const words = hexToPgpWords('E58294F2');
    expect(() => fromPgpWords(words.slice(1))).toThrow(/Word 1 \("Istanbul"\) is out of place/);
    expect(() => fromPgpWords(['topmost', 'banana'])).toThrow(
      /Word 2 \("banana"\) is not in the PGP word list/,
    );
    expect(() => hexToPgpWords('ABC')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
