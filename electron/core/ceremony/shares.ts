import { createHash, randomUUID } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { encodeFields, zeroize } from '../crypto/bytes.ts';
import { keyCheckValue, secretFingerprint } from './kcv.ts';
import { isShareText, parseShareText } from './share-text.ts';

// Shamir k-of-n shares of a secret (GF(2^8), by the audited `shamir-secret-sharing` library),
// as objects a custodian can carry: versioned, naming the ceremony, the share's index, the
// threshold and the secret's check value and fingerprint, with an integrity check over all of
// it so a mistyped or damaged share is told apart from a wrong one. Combining refuses too few
// shares, foreign, duplicated or damaged ones, and checks the result's check value and
// fingerprint: a wrong secret is never returned.

export const SHARE_FORMAT = 'keywarden-share';
export const SHARE_VERSION = 1;
const CHECK_BYTES = 8;

export interface ShareObject {
  format: typeof SHARE_FORMAT;
  version: typeof SHARE_VERSION;
  ceremony: string;
  /** 1-based, as custodians are told; the x coordinate is inside `value`. */
  index: number;
  threshold: number;
  shares: number;
  custodian: string;
  /** What the secret is ('aes256', 'hmac-sha256', or 'secret' for bytes of no known kind). */
  algorithm: string;
  kcv: string;
  fingerprint: string;
  /** Base64 of the share (the library's y values and its x coordinate). Secret. */
  value: string;
  /** Hex of the first 8 bytes of SHA-256 over every field above: catches a typo, not forgery. */
  check: string;
}

export interface SplitResult {
  ceremony: string;
  kcv: string;
  fingerprint: string;
  /** One per custodian, in order. Secret: shown or written once, never stored. */
  shares: ShareObject[];
}

/** A share's integrity check over every other field (hex). */
export function shareCheck(share: Omit<ShareObject, 'check'>): string {
  const fields = encodeFields(
    share.format,
    share.version,
    share.ceremony,
    share.index,
    share.threshold,
    share.shares,
    share.custodian,
    share.algorithm,
    share.kcv,
    share.fingerprint,
    share.value,
  );
  try {
    return createHash('sha256').update(fields).digest().subarray(0, CHECK_BYTES).toString('hex');
  } finally {
    zeroize(fields);
  }
}

/**
 * Splits `secret` into one share per custodian, any `threshold` of which rebuild it (2 ≤ k ≤ n
 * ≤ 255). Throws BAD_REQUEST.
 */
export async function splitSecret(
  secret: Uint8Array,
  threshold: number,
  custodians: readonly string[],
  algorithm = 'secret',
): Promise<SplitResult> {
  const n = custodians.length;
  if (!Number.isInteger(threshold) || threshold < 2 || n > 255 || threshold > n) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A split needs 2 ≤ threshold ≤ custodians ≤ 255; got threshold ${String(threshold)} of ${n}.`,
    );
  }
  if (new Set(custodians).size !== n || custodians.some((name) => name.trim() === '')) {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'Each custodian is named, once.');
  }
  if (secret.length === 0)
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'There is no secret to split.');
  // The library takes plain Uint8Arrays only (it checks the constructor, so no Buffer).
  const plain = Uint8Array.from(secret);
  const ceremony = randomUUID();
  const kcv = keyCheckValue(secret);
  const fingerprint = secretFingerprint(secret);
  let parts: Uint8Array[] = [];
  try {
    parts = await split(plain, n, threshold);
    const shares = parts.map((part, i) => {
      const unchecked = {
        format: SHARE_FORMAT,
        version: SHARE_VERSION,
        ceremony,
        index: i + 1,
        threshold,
        shares: n,
        custodian: custodians[i]!,
        algorithm,
        kcv,
        fingerprint,
        value: Buffer.from(part).toString('base64'),
      } as const;
      return { ...unchecked, check: shareCheck(unchecked) };
    });
    return { ceremony, kcv, fingerprint, shares };
  } finally {
    zeroize(plain, ...parts);
  }
}

/** A share as text: one JSON object, what a `.share` file holds. */
export function encodeShare(share: ShareObject): string {
  return `${JSON.stringify(share, null, 2)}\n`;
}

function invalid(name: string, why: string): KeywardenError {
  return new KeywardenError(ErrorCode.SHARE_INVALID, `Share ${name} ${why}`);
}

/**
 * Reads a share from its text, the JSON object of a `.share` file or the text form a share
 * sheet prints (typed back, or scanned from its QR code); `name` says which one in errors (a
 * file name). Throws SHARE_INVALID: not a share, another version, a field out of range, a value
 * line that fails its line check (named), or a failed integrity check (mistyped or damaged).
 */
export function decodeShare(text: string, name: string): ShareObject {
  const typed = isShareText(text);
  let parsed: unknown;
  if (typed) parsed = parseShareText(text, name);
  else {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalid(name, 'is not a Keywarden share (it is not JSON).');
    }
  }
  const s = parsed as Partial<ShareObject> | null;
  if (typeof s !== 'object' || s === null || s.format !== SHARE_FORMAT)
    throw invalid(name, 'is not a Keywarden share.');
  if (s.version !== SHARE_VERSION)
    throw invalid(
      name,
      `has format version ${String(s.version)}; this Keywarden reads ${SHARE_VERSION}.`,
    );
  const whole =
    typeof s.ceremony === 'string' &&
    Number.isInteger(s.index) &&
    Number.isInteger(s.threshold) &&
    Number.isInteger(s.shares) &&
    s.threshold! >= 2 &&
    s.threshold! <= s.shares! &&
    s.shares! <= 255 &&
    s.index! >= 1 &&
    s.index! <= s.shares! &&
    ['custodian', 'algorithm', 'kcv', 'fingerprint', 'value', 'check'].every(
      (field) => typeof s[field as keyof ShareObject] === 'string',
    );
  if (!whole) throw invalid(name, 'is missing a field or has one out of range.');
  const share = s as ShareObject;
  const { check, ...rest } = share;
  // A typed name may come back in another Unicode normal form than it was printed from, or
  // with its spaces doubled.
  const names = typed
    ? [rest.custodian, rest.custodian.replace(/\s+/g, ' ')].flatMap((n) => [
        n,
        n.normalize('NFC'),
        n.normalize('NFD'),
      ])
    : [rest.custodian];
  const custodian = names.find((n) => shareCheck({ ...rest, custodian: n }) === check);
  if (custodian === undefined)
    throw invalid(
      name,
      typed
        ? 'fails its integrity check though every value line matches its line check: a labelled line (ceremony, custodian, share, algorithm, KCV, fingerprint or check) was mistyped. Compare them with the printed sheet.'
        : 'fails its integrity check: it was mistyped or damaged. Compare it with the printed sheet.',
    );
  return { ...share, custodian };
}

/**
 * Rebuilds the secret from decoded shares (`names` say which is which in errors). Throws
 * QUORUM_NOT_MET (fewer than the threshold), SHARE_INVALID naming the share that is foreign
 * (another ceremony), duplicated, or, where it can be told, altered; and SHARE_INVALID when the
 * shares do not rebuild the recorded secret. The caller zeroes the returned secret.
 */
export async function combineShares(
  shares: readonly ShareObject[],
  names: readonly string[],
): Promise<Buffer> {
  const first = shares[0];
  if (!first) throw new KeywardenError(ErrorCode.QUORUM_NOT_MET, 'No share was given.');
  for (const [i, share] of shares.entries()) {
    const same =
      share.ceremony === first.ceremony &&
      share.threshold === first.threshold &&
      share.shares === first.shares &&
      share.algorithm === first.algorithm &&
      share.kcv === first.kcv &&
      share.fingerprint === first.fingerprint;
    if (!same)
      throw invalid(
        names[i]!,
        `belongs to another ceremony than ${names[0]!} (${share.ceremony}).`,
      );
    // The same index, or the same x coordinate (the value's last byte): the same share twice.
    const twin = shares.findIndex(
      (other) => other.index === share.index || xOf(other) === xOf(share),
    );
    if (twin !== i)
      throw invalid(names[i]!, `repeats share ${names[twin]!} (index ${share.index}).`);
  }
  if (shares.length < first.threshold) {
    throw new KeywardenError(
      ErrorCode.QUORUM_NOT_MET,
      `${shares.length} share(s) given; this secret needs ${first.threshold} of its ${first.shares}.`,
    );
  }
  const secret = await rebuild(shares);
  if (secret) return secret;
  // One share too many tells which one is wrong: the others rebuild the secret without it.
  if (shares.length > first.threshold) {
    for (const [i] of shares.entries()) {
      const rest = shares.filter((_, j) => j !== i);
      const without = await rebuild(rest);
      if (without) {
        zeroize(without);
        throw invalid(
          names[i]!,
          'does not fit the others: it was altered. The others rebuild the secret without it.',
        );
      }
    }
  }
  throw new KeywardenError(
    ErrorCode.SHARE_INVALID,
    `The shares do not rebuild the recorded secret (check value ${first.kcv}): one of them was altered. Bring one more share to find which.`,
  );
}

/** A share's x coordinate: the last byte of its value. */
function xOf(share: ShareObject): number | undefined {
  return Buffer.from(share.value, 'base64').at(-1);
}

/** The secret the shares rebuild, or null when its check value or fingerprint differ. */
async function rebuild(shares: readonly ShareObject[]): Promise<Buffer | null> {
  const parts = shares.map((share) => Uint8Array.from(Buffer.from(share.value, 'base64')));
  let secret: Uint8Array;
  try {
    secret = await combine(parts);
  } catch {
    return null; // lengths differ, or x coordinates repeat: not a valid set
  } finally {
    zeroize(...parts);
  }
  const first = shares[0]!;
  if (keyCheckValue(secret) === first.kcv && secretFingerprint(secret) === first.fingerprint) {
    const out = Buffer.from(secret);
    zeroize(secret);
    return out;
  }
  zeroize(secret);
  return null;
}
