import { createHash, createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { KeyAlgorithm } from '../../shared/inventory-types.ts';

// Public keys in the forms people hand around: PEM SubjectPublicKeyInfo, an OpenSSH
// authorized_keys line (RFC 4253 / RFC 5656 / RFC 8709 wire encoding) and JWK (RFC 7517),
// and their fingerprints. Public data only: nothing here touches a private key.

export const PUBLIC_KEY_FORMATS = ['pem', 'openssh', 'jwk'] as const;
export type PublicKeyFormat = (typeof PUBLIC_KEY_FORMATS)[number];

/** SSH key type names, for the algorithms SSH has one for. */
const SSH_TYPES: Partial<Record<KeyAlgorithm, string>> = {
  ed25519: 'ssh-ed25519',
  p256: 'ecdsa-sha2-nistp256',
  p384: 'ecdsa-sha2-nistp384',
  rsa2048: 'ssh-rsa',
  rsa3072: 'ssh-rsa',
  rsa4096: 'ssh-rsa',
};

function sshString(bytes: Buffer | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/** An SSH mpint: big-endian, no superfluous leading zeros, a zero byte when the top bit is set. */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start += 1;
  const trimmed = unsigned.subarray(start);
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), trimmed]) : trimmed);
}

const b64url = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');

/** A KeyObject for a DER SubjectPublicKeyInfo (as the inventory stores it, base64 or bytes). */
export function publicKeyObject(spki: Buffer | string): KeyObject {
  const der = typeof spki === 'string' ? Buffer.from(spki, 'base64') : spki;
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

function jwkOf(spki: Buffer): JsonWebKey {
  return publicKeyObject(spki).export({ format: 'jwk' });
}

/** The SSH wire encoding of a public key, or null when SSH has no such key type. */
export function sshPublicBlob(algorithm: KeyAlgorithm, spki: Buffer): Buffer | null {
  const type = SSH_TYPES[algorithm];
  if (!type) return null;
  const jwk = jwkOf(spki);
  if (algorithm === 'ed25519') return Buffer.concat([sshString(type), sshString(b64url(jwk.x))]);
  if (algorithm === 'p256' || algorithm === 'p384') {
    const point = Buffer.concat([Buffer.from([0x04]), b64url(jwk.x), b64url(jwk.y)]);
    return Buffer.concat([
      sshString(type),
      sshString(algorithm === 'p256' ? 'nistp256' : 'nistp384'),
      sshString(point),
    ]);
  }
  return Buffer.concat([sshString(type), sshMpint(b64url(jwk.e)), sshMpint(b64url(jwk.n))]);
}

const sha256Base64 = (bytes: Buffer) =>
  createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '');

/**
 * A public key's fingerprint, as OpenSSH writes it ("SHA256:" and unpadded base64): over the
 * SSH wire encoding for key types SSH knows, so it matches `ssh-keygen -l`, else over the DER
 * SubjectPublicKeyInfo.
 */
export function publicKeyFingerprint(algorithm: KeyAlgorithm, spki: Buffer): string {
  return `SHA256:${sha256Base64(sshPublicBlob(algorithm, spki) ?? spki)}`;
}

/**
 * Writes a public key in `format`. `comment` goes at the end of an OpenSSH line. Throws
 * FORMAT_UNSUPPORTED (for example X25519 has no OpenSSH form, a secret key no public one).
 */
export function exportPublicKey(
  algorithm: KeyAlgorithm,
  spki: Buffer | null,
  format: PublicKeyFormat,
  comment: string,
): string {
  if (!spki) {
    throw new KeywardenError(
      ErrorCode.FORMAT_UNSUPPORTED,
      `An ${algorithm} key is a secret key: it has no public key to export.`,
    );
  }
  switch (format) {
    case 'pem':
      return publicKeyObject(spki).export({ type: 'spki', format: 'pem' }).toString();
    case 'jwk':
      return `${JSON.stringify({ ...jwkOf(spki), kid: publicKeyFingerprint(algorithm, spki) })}\n`;
    case 'openssh': {
      const blob = sshPublicBlob(algorithm, spki);
      if (!blob) {
        throw new KeywardenError(
          ErrorCode.FORMAT_UNSUPPORTED,
          `SSH has no key type for ${algorithm}; export it as pem or jwk.`,
        );
      }
      const safeComment = comment.replace(/[\r\n]/g, ' ').trim();
      return `${SSH_TYPES[algorithm]} ${blob.toString('base64')}${safeComment ? ` ${safeComment}` : ''}\n`;
    }
  }
}
