import { createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { zeroize } from '../crypto/bytes.ts';

// The arithmetic under SLIP-0039, kept apart from the mnemonic format in slip39.ts: the RS1024
// checksum over 10-bit words, Shamir sharing over GF(2^8) with the digest share (x = 254) and
// the secret share (x = 255), and the 4-round Feistel cipher that turns the master secret into
// the encrypted master secret that is shared. Everything here follows the specification and
// Trezor's reference implementation (python-shamir-mnemonic) bit for bit; nothing throws a
// KeywardenError, callers turn `null` and `false` answers into errors that name a mnemonic.

export const SECRET_INDEX = 255;
export const DIGEST_INDEX = 254;
export const DIGEST_LENGTH_BYTES = 4;
export const MAX_SHARE_COUNT = 16;
const BASE_ITERATION_COUNT = 10_000;
const ROUND_COUNT = 4;

// --- RS1024 -----------------------------------------------------------------------------------

const RS1024_GENERATOR = [
  0xe0e040, 0x1c1c080, 0x3838100, 0x7070200, 0xe0e0009, 0x1c0c2412, 0x38086c24, 0x3090fc48,
  0x21b1f890, 0x3f3f120,
] as const;

/** The customization string: "shamir", or "shamir_extendable" for extendable backup shares. */
export function customization(extendable: boolean): Uint8Array {
  return Buffer.from(extendable ? 'shamir_extendable' : 'shamir', 'ascii');
}

function rs1024Polymod(values: Iterable<number>): number {
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 20;
    chk = (((chk & 0xfffff) << 10) ^ value) >>> 0;
    for (let i = 0; i < 10; i++) if ((top >>> i) & 1) chk = (chk ^ RS1024_GENERATOR[i]!) >>> 0;
  }
  return chk;
}

/** The three checksum words for `words` (10-bit values). */
export function rs1024Checksum(words: readonly number[], extendable: boolean): number[] {
  const polymod = rs1024Polymod([...customization(extendable), ...words, 0, 0, 0]) ^ 1;
  return [2, 1, 0].map((i) => (polymod >>> (10 * i)) & 1023);
}

/** Whether `words` (data followed by its three checksum words) carry a valid checksum. */
export function rs1024Verify(words: readonly number[], extendable: boolean): boolean {
  return rs1024Polymod([...customization(extendable), ...words]) === 1;
}

// --- GF(2^8) Shamir ---------------------------------------------------------------------------

// Exponent and logarithm tables over GF(2^8) with the Rijndael polynomial x^8+x^4+x^3+x+1 and
// generator 3. LOG[0] stays 0 and is never used for a nonzero product.
const EXP = new Uint8Array(255);
const LOG = new Uint8Array(256);
for (let i = 0, poly = 1; i < 255; i++) {
  EXP[i] = poly;
  LOG[poly] = i;
  poly = (poly << 1) ^ poly;
  if (poly & 0x100) poly ^= 0x11b;
}

export interface RawShare {
  x: number;
  /** Secret: the caller clears it. */
  y: Uint8Array;
}

/**
 * The polynomial through `shares` evaluated at `x` (Lagrange over GF(2^8)). The x coordinates
 * are distinct and the values of one length: the caller checks both. Returns fresh bytes the
 * caller clears.
 */
export function interpolate(shares: readonly RawShare[], x: number): Buffer {
  const at = shares.find((share) => share.x === x);
  if (at) return Buffer.from(at.y);
  const length = shares[0]!.y.length;
  let logProduct = 0;
  for (const share of shares) logProduct += LOG[share.x ^ x]!;
  const result = Buffer.alloc(length);
  for (const share of shares) {
    let logBasis = logProduct - LOG[share.x ^ x]!;
    for (const other of shares) if (other !== share) logBasis -= LOG[share.x ^ other.x]!;
    logBasis = ((logBasis % 255) + 255) % 255;
    for (let i = 0; i < length; i++) {
      const value = share.y[i]!;
      if (value !== 0) result[i]! ^= EXP[(LOG[value]! + logBasis) % 255]!;
    }
  }
  return result;
}

function digestOf(randomPart: Uint8Array, sharedSecret: Uint8Array): Buffer {
  return createHmac('sha256', randomPart)
    .update(sharedSecret)
    .digest()
    .subarray(0, DIGEST_LENGTH_BYTES);
}

/**
 * Splits `secret` into `count` shares (x = 0…count-1), any `threshold` of which recover it; for
 * threshold ≥ 2 the digest share binds the set. The caller checks 1 ≤ threshold ≤ count ≤ 16
 * and clears the returned values.
 */
export function splitShares(threshold: number, count: number, secret: Uint8Array): RawShare[] {
  if (threshold === 1)
    return Array.from({ length: count }, (_, x) => ({ x, y: Buffer.from(secret) }));
  const randomCount = threshold - 2;
  const shares: RawShare[] = Array.from({ length: randomCount }, (_, x) => ({
    x,
    y: randomBytes(secret.length),
  }));
  const randomPart = randomBytes(secret.length - DIGEST_LENGTH_BYTES);
  const digestShare = Buffer.concat([digestOf(randomPart, secret), randomPart]);
  const secretShare = Buffer.from(secret);
  const base = [
    ...shares,
    { x: DIGEST_INDEX, y: digestShare },
    { x: SECRET_INDEX, y: secretShare },
  ];
  try {
    for (let x = randomCount; x < count; x++) shares.push({ x, y: interpolate(base, x) });
    return shares;
  } finally {
    zeroize(randomPart, digestShare, secretShare);
  }
}

/**
 * Recovers the shared secret from exactly `threshold` shares with distinct x and equal lengths,
 * or null when the digest share does not match (a share is wrong or from another set). The
 * caller clears the returned secret.
 */
export function recoverShares(threshold: number, shares: readonly RawShare[]): Buffer | null {
  if (threshold === 1) return Buffer.from(shares[0]!.y);
  const secret = interpolate(shares, SECRET_INDEX);
  const digestShare = interpolate(shares, DIGEST_INDEX);
  try {
    const expected = digestOf(digestShare.subarray(DIGEST_LENGTH_BYTES), secret);
    if (expected.equals(digestShare.subarray(0, DIGEST_LENGTH_BYTES))) return secret;
    zeroize(secret);
    return null;
  } finally {
    zeroize(digestShare);
  }
}

// --- Feistel cipher ---------------------------------------------------------------------------

function salt(identifier: number, extendable: boolean): Buffer {
  if (extendable) return Buffer.alloc(0);
  const id = Buffer.alloc(2);
  id.writeUInt16BE(identifier);
  return Buffer.concat([customization(false), id]);
}

function xorInto(target: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= mask[i]!;
}

function feistel(
  input: Uint8Array,
  passphrase: Uint8Array,
  iterationExponent: number,
  identifier: number,
  extendable: boolean,
  rounds: readonly number[],
): Buffer {
  const half = input.length / 2;
  let left = Buffer.from(input.subarray(0, half));
  let right = Buffer.from(input.subarray(half));
  const iterations = (BASE_ITERATION_COUNT << iterationExponent) / ROUND_COUNT;
  const roundSalt = salt(identifier, extendable);
  for (const round of rounds) {
    const password = Buffer.concat([Buffer.of(round), passphrase]);
    const mask = pbkdf2Sync(
      password,
      Buffer.concat([roundSalt, right]),
      iterations,
      half,
      'sha256',
    );
    xorInto(left, mask);
    zeroize(password, mask);
    [left, right] = [right, left];
  }
  // Outputs right ‖ left; both halves are cleared once joined.
  const output = Buffer.concat([right, left]);
  zeroize(left, right);
  return output;
}

/** The encrypted master secret (same length as `masterSecret`, which is even). Caller clears it. */
export function encryptMasterSecret(
  masterSecret: Uint8Array,
  passphrase: Uint8Array,
  iterationExponent: number,
  identifier: number,
  extendable: boolean,
): Buffer {
  return feistel(masterSecret, passphrase, iterationExponent, identifier, extendable, [0, 1, 2, 3]);
}

/** The master secret under `passphrase` (any passphrase decrypts). Caller clears it. */
export function decryptMasterSecret(
  encrypted: Uint8Array,
  passphrase: Uint8Array,
  iterationExponent: number,
  identifier: number,
  extendable: boolean,
): Buffer {
  return feistel(encrypted, passphrase, iterationExponent, identifier, extendable, [3, 2, 1, 0]);
}
