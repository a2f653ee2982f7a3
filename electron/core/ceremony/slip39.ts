import { randomInt } from 'node:crypto';
import wordList from '../../../resources/slip39-wordlist.json' with { type: 'json' };
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import {
  MAX_SHARE_COUNT,
  decryptMasterSecret,
  encryptMasterSecret,
  recoverShares,
  rs1024Checksum,
  rs1024Verify,
  splitShares,
} from './slip39-cipher.ts';
import type { RawShare } from './slip39-cipher.ts';

// SLIP-0039 (Shamir's Secret-Sharing for Mnemonic Codes), interoperable with Trezor's reference
// implementation: a master secret is encrypted under a passphrase and shared in two levels —
// groups, any `groupThreshold` of which recover it, and members within each group. Each share is
// a mnemonic of 20 (128-bit secret) to 33 (256-bit) words from the 1024-word list. Combining
// checks every mnemonic's checksum, padding and length, that the set agrees, and the digest share;
// a wrong passphrase is not an error (by design it yields another secret).
//
// Secret bytes (master secret, encrypted master secret, share values) live in Buffers cleared
// with zeroize once used. Mnemonics, and the BigInt and hex forms a share value passes through
// while it is turned into words and back, are immutable JS values that cannot be cleared: the
// garbage collector frees them, and callers keep mnemonics for as short a time as they can.

/** The SLIP-39 word list: 1024 words, index = 10-bit value. */
export const SLIP39_WORDS: readonly string[] = wordList;
const WORD_INDEX = new Map(SLIP39_WORDS.map((word, i) => [word, i]));

const RADIX_BITS = 10;
const ID_EXP_WORDS = 2; // 15-bit identifier, extendable flag, 4-bit iteration exponent
const CHECKSUM_WORDS = 3;
const METADATA_WORDS = ID_EXP_WORDS + 2 + CHECKSUM_WORDS;
const MIN_SECRET_BYTES = 16;
const MIN_MNEMONIC_WORDS = METADATA_WORDS + Math.ceil((MIN_SECRET_BYTES * 8) / RADIX_BITS);

export interface Slip39Options {
  /** How many groups recover the secret (1 ≤ groupThreshold ≤ groups.length). */
  groupThreshold: number;
  /** Per group: [member threshold, member count], 1 ≤ threshold ≤ count ≤ 16. */
  groups: Array<[memberThreshold: number, memberCount: number]>;
  /** Printable ASCII; empty when omitted. Any passphrase opens the shares: keep it right. */
  passphrase?: Uint8Array;
  /** PBKDF2 cost: 10000 << e iterations in all (0–15). Default 1, as the reference. */
  iterationExponent?: number;
  /** Extendable backup flag (SLIP-39 revision 2024). Default true, as the reference. */
  extendable?: boolean;
}

interface Share {
  identifier: number;
  extendable: boolean;
  iterationExponent: number;
  groupIndex: number;
  groupThreshold: number;
  groupCount: number;
  memberIndex: number;
  memberThreshold: number;
  /** Secret: cleared by whoever decoded it. */
  value: Buffer;
}

function bad(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.BAD_REQUEST, message);
}

function invalid(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.SHARE_INVALID, message);
}

function checkPassphrase(passphrase: Uint8Array): void {
  if (passphrase.some((byte) => byte < 32 || byte > 126))
    throw bad('A SLIP-39 passphrase is printable ASCII only (letters, digits, symbols, space).');
}

/** `count` 10-bit words holding `value`, most significant first. */
function toWords(value: bigint, count: number): number[] {
  return Array.from({ length: count }, (_, i) =>
    Number((value >> BigInt(RADIX_BITS * (count - 1 - i))) & 1023n),
  );
}

function fromWords(words: readonly number[]): bigint {
  return words.reduce((acc, word) => (acc << BigInt(RADIX_BITS)) | BigInt(word), 0n);
}

function encodeShare(share: Share): string {
  const valueWords = Math.ceil((share.value.length * 8) / RADIX_BITS);
  const idExp = (share.identifier << 5) | (Number(share.extendable) << 4) | share.iterationExponent;
  const params =
    (share.groupIndex << 16) |
    ((share.groupThreshold - 1) << 12) |
    ((share.groupCount - 1) << 8) |
    (share.memberIndex << 4) |
    (share.memberThreshold - 1);
  const data = [
    ...toWords(BigInt(idExp), ID_EXP_WORDS),
    ...toWords(BigInt(params), 2),
    ...toWords(BigInt(`0x${share.value.toString('hex')}`), valueWords),
  ];
  const words = [...data, ...rs1024Checksum(data, share.extendable)];
  const mnemonic = words.map((word) => SLIP39_WORDS[word]!).join(' ');
  data.fill(0);
  words.fill(0);
  return mnemonic;
}

/** Decodes one mnemonic; `name` says which in errors. Throws SHARE_INVALID. */
function decodeShare(mnemonic: string, name: string): Share {
  const words = mnemonic.trim().toLowerCase().split(/\s+/);
  const indices = words.map((word) => WORD_INDEX.get(word) ?? -1);
  try {
    const unknown = indices.indexOf(-1);
    if (unknown >= 0)
      throw invalid(`${name}: word ${unknown + 1} is not in the SLIP-39 word list.`);
    const paddingBits = (RADIX_BITS * (indices.length - METADATA_WORDS)) % 16;
    if (indices.length < MIN_MNEMONIC_WORDS || paddingBits > 8)
      throw invalid(`${name} has ${indices.length} words, which no SLIP-39 share has.`);
    const idExp = Number(fromWords(indices.slice(0, ID_EXP_WORDS)));
    const extendable = ((idExp >> 4) & 1) === 1;
    if (!rs1024Verify(indices, extendable))
      throw invalid(`${name} fails its checksum: a word was mistyped or left out.`);
    const params = Number(fromWords(indices.slice(ID_EXP_WORDS, ID_EXP_WORDS + 2)));
    const nibble = (shift: number) => (params >> shift) & 15;
    const share = {
      identifier: idExp >> 5,
      extendable,
      iterationExponent: idExp & 15,
      groupIndex: nibble(16),
      groupThreshold: nibble(12) + 1,
      groupCount: nibble(8) + 1,
      memberIndex: nibble(4),
      memberThreshold: nibble(0) + 1,
    };
    if (share.groupThreshold > share.groupCount || share.groupIndex >= share.groupCount)
      throw invalid(`${name} has a group threshold or index beyond its group count.`);
    const valueWords = indices.slice(ID_EXP_WORDS + 2, -CHECKSUM_WORDS);
    if (valueWords[0]! >> (RADIX_BITS - paddingBits) !== 0)
      throw invalid(`${name} has nonzero padding bits: it is not a valid share.`);
    const valueBytes = (RADIX_BITS * valueWords.length - paddingBits) / 8;
    const hex = fromWords(valueWords)
      .toString(16)
      .padStart(valueBytes * 2, '0');
    valueWords.fill(0);
    return { ...share, value: Buffer.from(hex, 'hex') };
  } finally {
    indices.fill(0);
  }
}

/**
 * Splits `masterSecret` (16–32+ bytes, even length) into SLIP-39 mnemonics: one array per group,
 * in group order, one mnemonic per member. Throws BAD_REQUEST for a secret, passphrase, exponent
 * or group shape out of range (including a member threshold of 1 with several members, which the
 * standard forbids).
 */
export function generateMnemonics(masterSecret: Uint8Array, options: Slip39Options): string[][] {
  const { groupThreshold, groups } = options;
  const passphrase = options.passphrase ?? new Uint8Array(0);
  const iterationExponent = options.iterationExponent ?? 1;
  const extendable = options.extendable ?? true;
  if (masterSecret.length < MIN_SECRET_BYTES || masterSecret.length % 2 !== 0)
    throw bad('A SLIP-39 master secret is at least 16 bytes and an even number of bytes.');
  checkPassphrase(passphrase);
  if (!Number.isInteger(iterationExponent) || iterationExponent < 0 || iterationExponent > 15)
    throw bad('The SLIP-39 iteration exponent is a whole number from 0 to 15.');
  if (groups.length < 1 || groups.length > MAX_SHARE_COUNT)
    throw bad(`SLIP-39 has 1 to ${MAX_SHARE_COUNT} groups; got ${groups.length}.`);
  if (!Number.isInteger(groupThreshold) || groupThreshold < 1 || groupThreshold > groups.length)
    throw bad(`The group threshold must be 1 to ${groups.length}; got ${String(groupThreshold)}.`);
  for (const [i, [threshold, count]] of groups.entries()) {
    const whole = Number.isInteger(threshold) && Number.isInteger(count);
    if (!whole || threshold < 1 || threshold > count || count > MAX_SHARE_COUNT)
      throw bad(`Group ${i + 1} needs 1 ≤ threshold ≤ members ≤ ${MAX_SHARE_COUNT}.`);
    if (threshold === 1 && count > 1)
      throw bad(`Group ${i + 1} has threshold 1 with ${count} members: use 1-of-1 instead.`);
  }
  const identifier = randomInt(0, 1 << 15);
  const common = { identifier, extendable, iterationExponent, groupCount: groups.length };
  const encrypted = encryptMasterSecret(
    masterSecret,
    passphrase,
    iterationExponent,
    identifier,
    extendable,
  );
  const groupShares = splitShares(groupThreshold, groups.length, encrypted);
  try {
    return groupShares.map(({ x: groupIndex, y: groupSecret }) => {
      const [memberThreshold, memberCount] = groups[groupIndex]!;
      const members = splitShares(memberThreshold, memberCount, groupSecret);
      try {
        return members.map(({ x: memberIndex, y }) =>
          encodeShare({
            ...common,
            groupIndex,
            groupThreshold,
            memberIndex,
            memberThreshold,
            value: Buffer.from(y.buffer, y.byteOffset, y.byteLength),
          }),
        );
      } finally {
        zeroize(...members.map((member) => member.y));
      }
    });
  } finally {
    zeroize(encrypted, ...groupShares.map((share) => share.y));
  }
}

/**
 * Recovers the master secret from SLIP-39 mnemonics under `passphrase` (empty when omitted; a
 * wrong one gives a different secret, not an error). Needs exactly the group threshold of
 * groups, each with exactly its member threshold of mnemonics, as the reference does. Throws
 * SHARE_INVALID naming the mnemonic (1-based, in the order given) that is unreadable, fails its
 * checksum or padding, has another length, set, exponent or group shape, or repeats a member;
 * or when the digest shows a mnemonic does not belong; QUORUM_NOT_MET for too few groups or
 * members; BAD_REQUEST for a passphrase that is not printable ASCII. The caller clears the
 * returned secret.
 */
export function combineMnemonics(
  mnemonics: readonly string[],
  passphrase: Uint8Array = new Uint8Array(0),
): Buffer {
  checkPassphrase(passphrase);
  if (mnemonics.length === 0) throw new KeywardenError(ErrorCode.QUORUM_NOT_MET, 'No mnemonic.');
  const shares: Share[] = [];
  const groups = new Map<number, Array<{ share: Share; name: string }>>();
  try {
    for (const [i, mnemonic] of mnemonics.entries()) {
      const name = `Mnemonic ${i + 1}`;
      const share = decodeShare(mnemonic, name);
      shares.push(share);
      const first = shares[0]!;
      const sameSet =
        share.identifier === first.identifier &&
        share.extendable === first.extendable &&
        share.iterationExponent === first.iterationExponent;
      if (!sameSet)
        throw invalid(`${name} belongs to another set than mnemonic 1 (its first words differ).`);
      if (share.groupThreshold !== first.groupThreshold || share.groupCount !== first.groupCount)
        throw invalid(`${name} has another group threshold or group count than mnemonic 1.`);
      if (share.value.length !== first.value.length)
        throw invalid(`${name} has another length than mnemonic 1.`);
      const group = groups.get(share.groupIndex) ?? [];
      const peer = group[0];
      if (peer && peer.share.memberThreshold !== share.memberThreshold)
        throw invalid(`${name} has another member threshold than ${peer.name.toLowerCase()}.`);
      const twin = group.find((member) => member.share.memberIndex === share.memberIndex);
      if (twin)
        throw invalid(
          `${name} is member ${share.memberIndex + 1} of its group, as ${twin.name.toLowerCase()} is: the same share twice.`,
        );
      group.push({ share, name });
      groups.set(share.groupIndex, group);
    }
    const first = shares[0]!;
    if (groups.size < first.groupThreshold)
      throw new KeywardenError(
        ErrorCode.QUORUM_NOT_MET,
        `Mnemonics from ${groups.size} group(s) given; this secret needs ${first.groupThreshold} of its ${first.groupCount} groups.`,
      );
    if (groups.size > first.groupThreshold)
      throw invalid(
        `Mnemonics from ${groups.size} groups given: give exactly ${first.groupThreshold}.`,
      );
    const groupSecrets: RawShare[] = [];
    try {
      for (const [groupIndex, members] of groups) {
        const threshold = members[0]!.share.memberThreshold;
        const which = members.map((member) => member.name.toLowerCase()).join(', ');
        if (members.length < threshold)
          throw new KeywardenError(
            ErrorCode.QUORUM_NOT_MET,
            `Group ${groupIndex + 1} (${which}) needs ${threshold} mnemonics; ${members.length} given.`,
          );
        if (members.length > threshold)
          throw invalid(`Group ${groupIndex + 1} (${which}) needs exactly ${threshold} mnemonics.`);
        const raw = members.map(({ share }) => ({ x: share.memberIndex, y: share.value }));
        const secret = recoverShares(threshold, raw);
        if (!secret)
          throw invalid(`Group ${groupIndex + 1} (${which}) do not fit together: one is wrong.`);
        groupSecrets.push({ x: groupIndex, y: secret });
      }
      const encrypted = recoverShares(first.groupThreshold, groupSecrets);
      if (!encrypted)
        throw invalid('The groups do not fit together: a mnemonic is from another set.');
      try {
        return decryptMasterSecret(
          encrypted,
          passphrase,
          first.iterationExponent,
          first.identifier,
          first.extendable,
        );
      } finally {
        zeroize(encrypted);
      }
    } finally {
      zeroize(...groupSecrets.map((share) => share.y));
    }
  } finally {
    zeroize(...shares.map((share) => share.value));
  }
}
