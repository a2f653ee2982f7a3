import wordList from '../../../resources/pgp-words.json' with { type: 'json' };
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';

// The PGP word list, as root key ceremonies read fingerprints and check values aloud: a
// two-syllable word for each byte at an even position, a three-syllable word for each byte at
// an odd one, so a dropped, doubled or swapped word breaks the rhythm and is heard.

const EVEN: readonly string[] = wordList.even;
const ODD: readonly string[] = wordList.odd;
const LOOKUP = new Map<string, { byte: number; odd: boolean }>([
  ...EVEN.map((word, byte) => [word.toLowerCase(), { byte, odd: false }] as const),
  ...ODD.map((word, byte) => [word.toLowerCase(), { byte, odd: true }] as const),
]);

/** One word per byte, alternating even and odd lists from the first byte. */
export function toPgpWords(bytes: Uint8Array): string[] {
  return [...bytes].map((byte, i) => (i % 2 === 0 ? EVEN : ODD)[byte]!);
}

/** The words of a hex string (a fingerprint or a check value). Throws BAD_REQUEST. */
export function hexToPgpWords(hex: string): string[] {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex))
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'Words are made from whole bytes of hex.');
  return toPgpWords(Buffer.from(hex, 'hex'));
}

/**
 * The bytes words stand for, case-insensitively. Throws BAD_REQUEST naming the first word that
 * is unknown or in the wrong position (an odd-list word where an even one belongs: a word was
 * dropped or doubled).
 */
export function fromPgpWords(words: readonly string[]): Buffer {
  return Buffer.from(
    words.map((word, i) => {
      const entry = LOOKUP.get(word.toLowerCase());
      if (!entry || entry.odd !== (i % 2 === 1)) {
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          `Word ${i + 1} ("${word.slice(0, 40)}") ${entry ? 'is out of place: a word before it was dropped or doubled' : 'is not in the PGP word list'}.`,
        );
      }
      return entry.byte;
    }),
  );
}
