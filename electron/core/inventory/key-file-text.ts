import { formatInvalid, formatUnsupported } from './canonical-keys.ts';

// The text layer of key files: PEM armour (RFC 7468), strict base64 and base64url, and the
// comments that suggest a key's name. Strict, because a lenient decoder (Buffer.from skips
// characters it does not know) would let damaged files through as different keys.

const BASE64 = /^[A-Za-z0-9+/]*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** The value of a base64 or base64url character (both alphabets agree on the first 62). */
const sextet = (char: string) =>
  char === '+' || char === '-'
    ? 62
    : char === '/' || char === '_'
      ? 63
      : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.indexOf(char);

/**
 * Whether the bits the last character carries beyond the data are zero, as every encoder
 * writes them: otherwise several texts would decode to the same bytes.
 */
function canonicalTail(data: string): boolean {
  // A final group of 2 or 3 characters carries 4 or 2 spare bits; a group of 1 is invalid.
  const spare = data.length % 4;
  if (spare === 0) return true;
  if (spare === 1) return false;
  return (sextet(data.at(-1) ?? '') & (spare === 2 ? 0x0f : 0x03)) === 0;
}

/** Decodes padded base64 strictly. Throws FORMAT_INVALID naming `what`. The caller zeroes the bytes if they are secret. */
export function decodeBase64(text: string, what: string): Buffer {
  const data = text.replace(/={1,2}$/, '');
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(data) || !canonicalTail(data)) {
    throw formatInvalid(`${what} is not valid base64.`);
  }
  return Buffer.from(data, 'base64');
}

/** Decodes unpadded base64url (RFC 7515) strictly. Throws FORMAT_INVALID naming `what`. The caller zeroes the bytes if they are secret. */
export function decodeBase64url(text: string, what: string): Buffer {
  if (!BASE64URL.test(text) || !canonicalTail(text)) {
    throw formatInvalid(`${what} is not valid base64url.`);
  }
  return Buffer.from(text, 'base64url');
}

/** A comment fit to suggest a name: control characters removed, at most 200 characters; null when empty. */
export function commentOf(raw: string): string | null {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean ? [...clean].slice(0, 200).join('') : null;
}

/**
 * A PEM block of `der` under `label` ("PUBLIC KEY", "PRIVATE KEY", …): base64 in lines of 64.
 * The text is a string, which cannot be wiped; for a private key the caller keeps it briefly.
 */
export function writePemBlock(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  label: string;
  /** The decoded body; the caller zeroes it. */
  der: Buffer;
}

/**
 * Reads text that is exactly one PEM block (whitespace around it allowed). Throws
 * FORMAT_INVALID (several blocks, text around the block, a truncated block, bad base64,
 * unknown headers) and FORMAT_UNSUPPORTED (legacy "Proc-Type: 4,ENCRYPTED" encryption).
 */
export function readPemBlock(text: string): PemBlock {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim());
  const begins = lines.filter((line) => line.startsWith('-----BEGIN ')).length;
  if (begins > 1) {
    throw formatInvalid(`The file holds ${begins} PEM blocks; give a file with one key.`);
  }
  const begin = /^-----BEGIN ([A-Z0-9 ]{1,40})-----$/.exec(lines[0] ?? '');
  const label = begin?.[1];
  if (!label) throw formatInvalid('The PEM block is malformed: its BEGIN line is not valid.');
  if (lines.length < 2 || lines.at(-1) !== `-----END ${label}-----`) {
    throw formatInvalid('The PEM block is truncated or has text after its END line.');
  }
  let body = lines.slice(1, -1);
  if (body.some((line) => line.includes(':'))) {
    if (body.some((line) => /^Proc-Type:\s*4,ENCRYPTED$/i.test(line))) {
      throw formatUnsupported(
        'The key uses legacy PEM encryption (Proc-Type: 4,ENCRYPTED). Convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc` and import that file.',
      );
    }
    throw formatInvalid('The PEM block has headers Keywarden does not understand.');
  }
  body = body.filter((line) => line.length > 0);
  return { label, der: decodeBase64(body.join(''), 'The PEM body') };
}
