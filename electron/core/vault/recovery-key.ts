import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';

// A recovery key: 160 random bits and a 16-bit checksum, written in Crockford base32 as
// nine groups of four characters. The checksum tells a mistyped key from a wrong one.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SECRET_BYTES = 20;
const CHECK_BYTES = 2;
const ENCODED_CHARS = 36; // ceil((20 + 2) * 8 / 5)
const PREFIX = 'KW1';

function checksum(secret: Uint8Array): Buffer {
  return createHash('sha256')
    .update('keywarden/v1/recovery-check')
    .update(secret)
    .digest()
    .subarray(0, CHECK_BYTES);
}

function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** A new recovery key: the secret bytes (caller zeroes them) and the text shown once. */
export function generateRecoveryKey(): { secret: Buffer; text: string } {
  const secret = randomBytes(SECRET_BYTES);
  const payload = Buffer.concat([secret, checksum(secret)]);
  const chars = encodeBase32(payload);
  zeroize(payload);
  const groups = chars.match(/.{4}/g) ?? [];
  return { secret, text: [PREFIX, ...groups].join('-') };
}

/**
 * Parses a recovery key as a person typed it: any case, spaces or dashes between groups, and
 * O/I/L read as 0/1/1. Throws RECOVERY_KEY_MALFORMED (wrong length, bad character or failed
 * checksum); the message never repeats the input.
 */
export function parseRecoveryKey(input: string): Buffer {
  let cleaned = input.toUpperCase().replace(/[\s-]/g, '');
  if (cleaned.startsWith(PREFIX)) cleaned = cleaned.slice(PREFIX.length);
  cleaned = cleaned.replace(/O/g, '0').replace(/[IL]/g, '1');
  const malformed = (why: string) =>
    new KeywardenError(
      ErrorCode.RECOVERY_KEY_MALFORMED,
      `The recovery key is malformed: ${why}. Check it against the printed copy.`,
    );
  if (cleaned.length !== ENCODED_CHARS)
    throw malformed(`it has ${cleaned.length} characters, expected ${ENCODED_CHARS}`);
  const payload = Buffer.alloc(SECRET_BYTES + CHECK_BYTES);
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of cleaned) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0)
      throw malformed('it contains a character that is not in the recovery-key alphabet');
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      if (index < payload.length) payload[index] = (value >>> (bits - 8)) & 0xff;
      index += 1;
      bits -= 8;
    }
  }
  // The last character carries four padding bits, which must be zero: a typo there shows.
  const paddingClear = (value & ((1 << bits) - 1)) === 0;
  const secret = Buffer.from(payload.subarray(0, SECRET_BYTES));
  const ok = paddingClear && equalBytes(checksum(secret), payload.subarray(SECRET_BYTES));
  zeroize(payload);
  if (!ok) {
    zeroize(secret);
    throw malformed('its checksum does not match, so a character is mistyped');
  }
  return secret;
}
