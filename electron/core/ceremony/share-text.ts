import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import type { ShareObject } from './shares.ts';

// The text form of a share: what a share sheet prints, what its QR code holds, and what a
// custodian types back from paper. An armored block of labelled lines (ceremony, custodian,
// index, threshold, algorithm, check value, fingerprint, the share's integrity check) and the
// share's value in numbered lines of hex groups, each ending with a CRC-8 of its line number
// and digits in brackets. The CRC finds every single mistyped character of a value line on
// its line (a change inside one character is a burst of at most 8 bits); the share's own check
// (SHA-256 over every field, as in the JSON form) catches the rest. Reading tolerates what a
// typist varies: letter case of labels and hex, spaces between groups, indentation, blank
// lines, CRLF, and text around the block. Nothing read is echoed into an error message.

const BEGIN = '-----BEGIN KEYWARDEN SHARE-----';
const END = '-----END KEYWARDEN SHARE-----';
const BEGIN_LINE = /^-{3,}\s*BEGIN\s+KEYWARDEN\s+SHARE\s*-{3,}$/i;
const END_LINE = /^-{3,}\s*END\s+KEYWARDEN\s+SHARE\s*-{3,}$/i;
const DIGITS_PER_GROUP = 4;
const GROUPS_PER_LINE = 6;
const LABELS = [
  'version',
  'ceremony',
  'custodian',
  'share',
  'algorithm',
  'kcv',
  'fingerprint',
  'check',
] as const;
type Label = (typeof LABELS)[number];

/** The fields of a share read from its text form, before decodeShare checks them. */
export type ShareTextFields = Omit<ShareObject, 'version'> & { version: number };

/** Hex in groups of four, upper case, as printed. */
export function hexGroups(hex: string): string {
  return (hex.toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}

/** CRC-8 (polynomial 0x07, as SMBus) of a value line's number and digits, as two hex digits. */
export function lineCheck(lineNumber: number, digits: string): string {
  let crc = 0;
  for (const byte of Buffer.from(`${lineNumber}:${digits.toUpperCase()}`, 'latin1')) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : crc << 1;
  }
  return crc.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * The share as text a person can type: labelled lines, then the value in numbered lines of six
 * groups of four hex digits with a line check. Throws nothing. The value's bytes are decoded
 * into a buffer only to make the hex and zeroed after; the returned string is secret and, being
 * a string, is left to the collector (the caller writes it once).
 */
export function encodeShareText(share: ShareObject): string {
  const value = Buffer.from(share.value, 'base64');
  const hex = value.toString('hex').toUpperCase();
  zeroize(value);
  const perLine = DIGITS_PER_GROUP * GROUPS_PER_LINE;
  const valueLines: string[] = [];
  for (let at = 0, n = 1; at < hex.length; at += perLine, n += 1) {
    const digits = hex.slice(at, at + perLine);
    valueLines.push(`${n}: ${hexGroups(digits)} [${lineCheck(n, digits)}]`);
  }
  return [
    BEGIN,
    `Version: ${share.version}`,
    `Ceremony: ${share.ceremony}`,
    `Custodian: ${share.custodian}`,
    `Share: ${share.index} of ${share.shares}, threshold ${share.threshold}`,
    `Algorithm: ${share.algorithm}`,
    `KCV: ${share.kcv}`,
    `Fingerprint: ${hexGroups(share.fingerprint)}`,
    `Check: ${hexGroups(share.check)}`,
    ...valueLines,
    END,
    '',
  ].join('\n');
}

/** Whether `text` holds a share's text form (its BEGIN line) rather than JSON or words. */
export function isShareText(text: string): boolean {
  return text.split(/\r?\n/).some((line) => BEGIN_LINE.test(line.trim()));
}

function invalid(name: string, why: string): KeywardenError {
  return new KeywardenError(ErrorCode.SHARE_INVALID, `Share ${name} ${why}`);
}

/** Hex with spaces removed, in lower case; null when anything else is in it. */
function hexOf(typed: string): string | null {
  const hex = typed.replace(/\s+/g, '').toLowerCase();
  return /^[0-9a-f]*$/.test(hex) ? hex : null;
}

/**
 * The lines between BEGIN and END, each with its line number in `text` (1-based), blank lines
 * dropped. Throws SHARE_INVALID when either armor line is missing.
 */
function armoredLines(text: string, name: string): Array<{ line: number; text: string }> {
  const all = text.split(/\r?\n/).map((line) => line.trim());
  const begin = all.findIndex((line) => BEGIN_LINE.test(line));
  if (begin < 0) throw invalid(name, `is not a Keywarden share (no "${BEGIN}" line).`);
  const end = all.findIndex((line, i) => i > begin && END_LINE.test(line));
  if (end < 0) throw invalid(name, `is cut short: its "${END}" line is missing.`);
  return all
    .slice(begin + 1, end)
    .map((line, i) => ({ line: begin + 2 + i, text: line }))
    .filter((line) => line.text !== '');
}

/**
 * The digits of value line `n` (line `line` of the text), checked against its line check and
 * its place (`due`). Throws SHARE_INVALID naming both lines, never echoing them.
 */
function valueLine(n: number, due: number, line: number, rest: string, name: string): string {
  const where = `value line ${n} (line ${line})`;
  if (n !== due) throw invalid(name, `${where} is out of order: value line ${due} was due.`);
  const parts = /^([^[\]]*)\[([^[\]]*)\]$/.exec(rest);
  const hex = parts ? hexOf(parts[1]!) : null;
  const lineHex = parts ? hexOf(parts[2]!) : null;
  if (hex === null || lineHex === null || lineHex.length !== 2)
    throw invalid(name, `${where} is not hex groups followed by a line check in brackets.`);
  if (lineCheck(n, hex) !== lineHex.toUpperCase())
    throw invalid(
      name,
      `${where} does not match its line check: it was mistyped. Compare it with the printed sheet.`,
    );
  return hex;
}

/**
 * Reads the text form into share fields; decodeShare checks their ranges and the share's
 * integrity check. `name` says which share in errors. Throws SHARE_INVALID naming the share
 * and, where it can tell, the line: no armor, a line neither labelled nor numbered, a label
 * missing or given twice, a value line that fails its line check or is missing, out of order
 * or not hex. The value's bytes pass through a buffer that is zeroed; its hex and base64 are
 * strings, which cannot be wiped.
 */
export function parseShareText(text: string, name: string): ShareTextFields {
  const labelled = new Map<Label, string>();
  const values: Array<{ line: number; digits: string }> = [];
  for (const { line, text: content } of armoredLines(text, name)) {
    const colon = content.indexOf(':');
    const label = colon < 0 ? '' : content.slice(0, colon).trim().replace(/\s+/g, ' ');
    const rest = content.slice(colon + 1).trim();
    if (/^\d+$/.test(label)) {
      const due = values.length + 1;
      values.push({ line, digits: valueLine(Number(label), due, line, rest, name) });
      continue;
    }
    const known = LABELS.find((l) => l === label.toLowerCase());
    if (!known)
      throw invalid(name, `line ${line} is neither a labelled line nor a numbered value line.`);
    if (labelled.has(known)) throw invalid(name, `line ${line} repeats the "${label}" line.`);
    labelled.set(known, rest);
  }
  const missing = LABELS.find((label) => !labelled.has(label));
  if (missing) throw invalid(name, `is missing its "${missing}" line.`);
  if (values.length === 0) throw invalid(name, 'has no value lines.');
  const get = (label: Label) => labelled.get(label)!;
  const place = /^(\d+)\s+of\s+(\d+)\s*,\s*threshold\s+(\d+)$/i.exec(get('share'));
  if (!place) throw invalid(name, 'has a "Share" line not of the form "I of N, threshold K".');
  const [kcv, fingerprint, check] = (['kcv', 'fingerprint', 'check'] as const).map((label) => {
    const hex = hexOf(get(label));
    if (hex === null) throw invalid(name, `has a "${label}" line that is not hex.`);
    return hex;
  });
  const digits = values.map((v) => v.digits).join('');
  if (digits.length % 2 !== 0)
    throw invalid(name, 'has an odd number of hex digits in its value lines: one is missing.');
  const bytes = Buffer.from(digits, 'hex');
  const value = bytes.toString('base64');
  zeroize(bytes);
  return {
    format: 'keywarden-share',
    version: /^\d+$/.test(get('version')) ? Number(get('version')) : Number.NaN,
    ceremony: get('ceremony').toLowerCase(),
    index: Number(place[1]),
    shares: Number(place[2]),
    threshold: Number(place[3]),
    custodian: get('custodian'),
    algorithm: get('algorithm').toLowerCase(),
    kcv: kcv!.toUpperCase(),
    fingerprint: fingerprint!,
    value,
    check: check!,
  };
}
