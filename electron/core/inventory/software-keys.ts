import { generateKeyPair, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { GeneratedAlgorithm, KeyAlgorithm } from '../../shared/inventory-types.ts';

// Keys generated in the vault with node:crypto (OpenSSL, seeded from the OS CSPRNG).
// Private keys leave this module as PKCS#8 DER, secret keys as raw bytes; the caller seals
// them into a record and zeroes the buffer.

const generateKeyPairAsync = promisify(generateKeyPair);

export const ALGORITHM_BITS: Readonly<Record<KeyAlgorithm, number>> = {
  ed25519: 256,
  x25519: 256,
  p256: 256,
  p384: 384,
  rsa2048: 2048,
  rsa3072: 3072,
  rsa4096: 4096,
  aes256: 256,
  'hmac-sha256': 256,
};

export interface GeneratedKey {
  /** PKCS#8 DER for a key pair, the raw key for a secret key. The caller zeroes it. */
  secret: Buffer;
  /** DER SubjectPublicKeyInfo, or null for a secret key. */
  publicKey: Buffer | null;
}

// The KeyObjects live in OpenSSL's memory until collected; node:crypto offers no way to wipe
// them. The exported DER copies are ours, and the caller zeroes the private one.
async function pair(
  promise: Promise<{ publicKey: KeyObject; privateKey: KeyObject }>,
): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await promise;
  return {
    secret: privateKey.export({ type: 'pkcs8', format: 'der' }),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }),
  };
}

/** Generates a key; RSA runs off the main thread (libuv), so the UI stays responsive. */
export async function generateSoftwareKey(algorithm: GeneratedAlgorithm): Promise<GeneratedKey> {
  switch (algorithm) {
    case 'ed25519':
      return pair(generateKeyPairAsync('ed25519'));
    case 'x25519':
      return pair(generateKeyPairAsync('x25519'));
    case 'p256':
      return pair(generateKeyPairAsync('ec', { namedCurve: 'P-256' }));
    case 'p384':
      return pair(generateKeyPairAsync('ec', { namedCurve: 'P-384' }));
    case 'rsa3072':
      return pair(generateKeyPairAsync('rsa', { modulusLength: 3072 }));
    case 'rsa4096':
      return pair(generateKeyPairAsync('rsa', { modulusLength: 4096 }));
    case 'aes256':
    case 'hmac-sha256':
      return { secret: randomBytes(32), publicKey: null };
  }
}
