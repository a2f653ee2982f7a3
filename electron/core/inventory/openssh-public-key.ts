import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KeywardenError } from '../../shared/errors.ts';
import { equalBytes } from '../crypto/bytes.ts';
import {
  canonicalPublicKey,
  formatInvalid,
  formatUnsupported,
  unsupportedKind,
} from './canonical-keys.ts';
import type { CanonicalPublicKey } from './canonical-keys.ts';
import { commentOf, decodeBase64 } from './key-file-text.ts';
import { sshPublicBlob } from './public-key-formats.ts';

// OpenSSH public keys: the SSH wire encoding (RFC 4251 section 5) of ssh-ed25519 (RFC 8709),
// ecdsa-sha2-nistp256/384 (RFC 5656) and ssh-rsa (RFC 4253), as an authorized_keys line or
// an RFC 4716 "SSH2 PUBLIC KEY" block; and the wire reader the private-key format shares.

/** Reads SSH wire fields from a buffer; every field is a view into it, not a copy. */
export interface SshReader {
  uint32(): number;
  string(): Buffer;
  text(): string;
  /** An mpint as unsigned big-endian bytes without leading zeros; negative values refused. */
  mpint(): Buffer;
  remaining(): number;
  /** Refuses trailing bytes. */
  end(): void;
}

/** A reader over `bytes`. Its methods throw FORMAT_INVALID naming `what` when a field runs past the end. */
export function sshReader(bytes: Buffer, what: string): SshReader {
  let offset = 0;
  const truncated = () => formatInvalid(`${what} is truncated or malformed.`);
  const reader: SshReader = {
    uint32() {
      if (offset + 4 > bytes.length) throw truncated();
      const value = bytes.readUInt32BE(offset);
      offset += 4;
      return value;
    },
    string() {
      const length = reader.uint32();
      if (length > bytes.length - offset) throw truncated();
      offset += length;
      return bytes.subarray(offset - length, offset);
    },
    text() {
      const field = reader.string();
      // Type and curve names are ASCII; anything else is damage, and never echoed.
      if (!/^[\x21-\x7e]{0,64}$/.test(field.toString('latin1'))) throw truncated();
      return field.toString('latin1');
    },
    mpint() {
      const field = reader.string();
      if ((field[0] ?? 0) & 0x80) throw formatInvalid(`${what} holds a negative number.`);
      let start = 0;
      while (start < field.length && field[start] === 0) start += 1;
      return field.subarray(start);
    },
    remaining: () => bytes.length - offset,
    end() {
      if (offset !== bytes.length) throw formatInvalid(`${what} has trailing data.`);
    },
  };
  return reader;
}

export const SSH_ECDSA_CURVES = {
  'ecdsa-sha2-nistp256': { algorithm: 'p256', curve: 'nistp256', crv: 'P-256', size: 32 },
  'ecdsa-sha2-nistp384': { algorithm: 'p384', curve: 'nistp384', crv: 'P-384', size: 48 },
} as const;
export const SUPPORTED_SSH_TYPES: ReadonlySet<string> = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  ...Object.keys(SSH_ECDSA_CURVES),
]);

const UNSUPPORTED_SSH_TYPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'ssh-dss': 'a DSA',
    'ecdsa-sha2-nistp521': 'a P-521',
    'ssh-ed448': 'an Ed448',
    'sk-ssh-ed25519@openssh.com': 'a FIDO security-key (sk-ssh-ed25519)',
    'sk-ecdsa-sha2-nistp256@openssh.com': 'a FIDO security-key (sk-ecdsa)',
  }),
);

/** Throws FORMAT_UNSUPPORTED unless Keywarden holds keys of SSH key type `type`. */
export function requireSupportedSshType(type: string): void {
  if (SUPPORTED_SSH_TYPES.has(type)) return;
  if (/-cert-v0[01]@openssh\.com$/.test(type)) {
    throw formatUnsupported('This is an OpenSSH certificate; import the key it certifies.');
  }
  throw unsupportedKind(UNSUPPORTED_SSH_TYPES.get(type) ?? 'an unknown SSH');
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The uncompressed point 04||x||y split into JWK coordinates, or FORMAT_INVALID. */
export function pointCoordinates(point: Buffer, size: number, what: string) {
  if (point.length !== 1 + 2 * size || point[0] !== 4) {
    throw formatInvalid(`${what} holds an EC point of the wrong form.`);
  }
  return {
    x: point.subarray(1, 1 + size).toString('base64url'),
    y: point.subarray(1 + size).toString('base64url'),
  };
}

function publicKeyObject(type: string, reader: SshReader, what: string): KeyObject {
  if (type === 'ssh-ed25519') {
    const raw = reader.string();
    if (raw.length !== 32) throw formatInvalid(`${what} has the wrong length.`);
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
  }
  if (type === 'ssh-rsa') {
    const e = reader.mpint().toString('base64url');
    const n = reader.mpint().toString('base64url');
    return createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
  }
  const ecdsa = SSH_ECDSA_CURVES[type as keyof typeof SSH_ECDSA_CURVES];
  if (reader.text() !== ecdsa.curve) throw formatInvalid(`${what} names the wrong curve.`);
  const point = pointCoordinates(reader.string(), ecdsa.size, what);
  return createPublicKey({ key: { kty: 'EC', crv: ecdsa.crv, ...point }, format: 'jwk' });
}

/**
 * Reads the SSH wire encoding of a public key. Throws FORMAT_INVALID (malformed, a point
 * off the curve, a non-canonical encoding) and FORMAT_UNSUPPORTED (a key type Keywarden
 * does not hold).
 */
export function publicKeyFromSshBlob(blob: Buffer): CanonicalPublicKey {
  const what = 'The SSH public key';
  const reader = sshReader(blob, what);
  const type = reader.text();
  requireSupportedSshType(type);
  let key: KeyObject;
  try {
    key = publicKeyObject(type, reader, what);
  } catch (error) {
    if (error instanceof KeywardenError) throw error;
    throw formatInvalid(`${what} is malformed.`);
  }
  const canonical = canonicalPublicKey(key);
  // Encoding the key again and comparing catches trailing bytes, superfluous mpint zeros
  // and a type name that disagrees with the fields.
  if (
    !equalBytes(sshPublicBlob(canonical.algorithm, canonical.publicKey) ?? Buffer.alloc(0), blob)
  ) {
    throw formatInvalid(`${what} is not in canonical form or has trailing data.`);
  }
  return canonical;
}

/** Skips authorized_keys options (`from="a b",no-pty`): quoted strings may hold spaces. */
function afterOptions(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted && char === '\\') i += 1;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ' ' || char === '\t')) return line.slice(i).trimStart();
  }
  throw formatInvalid('The file is not a key file Keywarden recognises.');
}

export interface SshPublicKey {
  key: CanonicalPublicKey;
  comment: string | null;
}

/**
 * Reads one OpenSSH public key line (`type base64 [comment]`), optionally with
 * authorized_keys options before it; blank and `#` lines around it are ignored. Throws
 * FORMAT_INVALID (not a key line, several keys, a type that disagrees with the key) and
 * FORMAT_UNSUPPORTED (a key type Keywarden does not hold).
 */
export function parseSshPublicLine(text: string): SshPublicKey {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (lines.length !== 1) {
    throw formatInvalid(
      lines.length === 0
        ? 'The file is empty.'
        : 'The file is not a key file Keywarden recognises, or holds several keys; give one key.',
    );
  }
  const line = lines[0] ?? '';
  const looksLikeKey = /^\S+\s+AAAA/.test(line);
  const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(looksLikeKey ? line : afterOptions(line));
  if (!match || !/^[a-z0-9][a-z0-9@.-]*$/.test(match[1] ?? '')) {
    throw formatInvalid('The file is not a key file Keywarden recognises.');
  }
  const type = match[1] ?? '';
  requireSupportedSshType(type);
  const blob = decodeBase64(match[2] ?? '', 'The OpenSSH public key');
  if (sshReader(blob, 'The OpenSSH public key').text() !== type) {
    throw formatInvalid('The key type on the line disagrees with the key.');
  }
  return { key: publicKeyFromSshBlob(blob), comment: commentOf(match[3] ?? '') };
}

/**
 * Reads an RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block, as `ssh-keygen -e` writes it.
 * Throws FORMAT_INVALID and FORMAT_UNSUPPORTED as publicKeyFromSshBlob does.
 */
export function parseSsh2PublicBlock(text: string): SshPublicKey {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim());
  if (
    lines[0] !== '---- BEGIN SSH2 PUBLIC KEY ----' ||
    lines.at(-1) !== '---- END SSH2 PUBLIC KEY ----' ||
    lines.length < 3
  ) {
    throw formatInvalid('The SSH2 public key block is truncated or has text around it.');
  }
  let comment: string | null = null;
  const body: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 1) {
    let line = lines[i] ?? '';
    if (body.length === 0 && line.includes(':')) {
      // A header; a trailing backslash continues it on the next line.
      while (line.endsWith('\\') && i < lines.length - 2)
        line = line.slice(0, -1) + (lines[++i] ?? '');
      const header = /^([^:]{1,64}):\s?(.*)$/.exec(line);
      if (!header) throw formatInvalid('The SSH2 public key block has a malformed header.');
      if (header[1]?.toLowerCase() === 'comment')
        comment = commentOf((header[2] ?? '').replace(/^"(.*)"$/, '$1'));
    } else {
      body.push(line);
    }
  }
  return { key: publicKeyFromSshBlob(decodeBase64(body.join(''), 'The SSH2 public key')), comment };
}
