import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { EncryptedData, EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import {
  AsnIntegerBigIntConverter,
  AsnParser,
  AsnProp,
  AsnPropTypes,
  AsnSerializer,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { writePemBlock } from './key-file-text.ts';
import {
  formatInvalid,
  formatUnsupported,
  passphraseIncorrect,
  passphraseRequired,
  readPrivateDer,
  requireWholeDer,
} from './canonical-keys.ts';

// Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018): PBKDF2 or
// scrypt (RFC 7914), then AES-CBC, as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it.
// The key-derivation parameters come from the file, so they are bounded before any work is
// done: a crafted file must not be able to stall the app or exhaust its memory.

/** The most PBKDF2 iterations a file may ask for (a few seconds of work). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** The fewest PBKDF2 iterations encryptPkcs8 writes (RFC 8018 section 4.2). */
export const MIN_PBKDF2_ITERATIONS = 1000;
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
/** The most memory scrypt may use (128·N·r bytes), and the most passes over it. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_SCRYPT_PARALLELISM = 16;
/** scrypt's r: 8 is what everyone uses; a large r with a small N would dodge the memory bound. */
const MAX_SCRYPT_BLOCK_SIZE = 32;
const MAX_SALT_BYTES = 1024;

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

const PRF_HASHES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    [OID.hmacWithSHA1]: 'sha1',
    '1.2.840.113549.2.8': 'sha224',
    [OID.hmacWithSHA256]: 'sha256',
    '1.2.840.113549.2.10': 'sha384',
    '1.2.840.113549.2.11': 'sha512',
  }),
);

const AES_CBC: ReadonlyMap<string, { cipher: string; keyBytes: number }> = new Map(
  Object.entries({
    '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyBytes: 16 },
    '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyBytes: 24 },
    [OID.aes256Cbc]: { cipher: 'aes-256-cbc', keyBytes: 32 },
  }),
);

// The ASN.1 types of RFC 8018 and RFC 7914. The decorator functions are applied by hand:
// Node's type stripping runs no decorator transform.
class Pbes2Params {
  keyDerivationFunc = new AlgorithmIdentifier();
  encryptionScheme = new AlgorithmIdentifier();
}
AsnType({ type: AsnTypeTypes.Sequence })(Pbes2Params);
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, 'keyDerivationFunc');
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, 'encryptionScheme');

const integer = { type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter };

class Pbkdf2Params {
  salt = new ArrayBuffer(0);
  iterationCount = 0n;
  keyLength?: bigint;
  prf?: AlgorithmIdentifier;
}
AsnType({ type: AsnTypeTypes.Sequence })(Pbkdf2Params);
AsnProp({ type: AsnPropTypes.OctetString })(Pbkdf2Params.prototype, 'salt');
AsnProp(integer)(Pbkdf2Params.prototype, 'iterationCount');
AsnProp({ ...integer, optional: true })(Pbkdf2Params.prototype, 'keyLength');
AsnProp({ type: AlgorithmIdentifier, optional: true })(Pbkdf2Params.prototype, 'prf');

class ScryptParams {
  salt = new ArrayBuffer(0);
  costParameter = 0n;
  blockSize = 0n;
  parallelizationParameter = 0n;
  keyLength?: bigint;
}
AsnType({ type: AsnTypeTypes.Sequence })(ScryptParams);
AsnProp({ type: AsnPropTypes.OctetString })(ScryptParams.prototype, 'salt');
AsnProp(integer)(ScryptParams.prototype, 'costParameter');
AsnProp(integer)(ScryptParams.prototype, 'blockSize');
AsnProp(integer)(ScryptParams.prototype, 'parallelizationParameter');
AsnProp({ ...integer, optional: true })(ScryptParams.prototype, 'keyLength');

const parse = <T>(
  bytes: ArrayBuffer | Uint8Array | null | undefined,
  type: new () => T,
  what: string,
): T => {
  try {
    if (!bytes) throw new Error('absent');
    return AsnParser.parse(bytes, type);
  } catch {
    throw formatInvalid(`The encrypted private key is malformed: ${what} do not parse.`);
  }
};

const reEncrypt = 'Re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc` and import that file.';

/** A key-derivation function bounded by the limits above, ready to run. */
type Kdf = (passphrase: Buffer, keyBytes: number) => Buffer;

function boundedKdf(kdf: AlgorithmIdentifier): Kdf {
  if (kdf.algorithm === OID.pbkdf2) {
    const params = parse(kdf.parameters, Pbkdf2Params, 'the PBKDF2 parameters');
    const hash = PRF_HASHES.get(params.prf?.algorithm ?? OID.hmacWithSHA1);
    if (!hash)
      throw formatUnsupported(`The key is encrypted with an unsupported PBKDF2 hash. ${reEncrypt}`);
    const iterations = params.iterationCount;
    if (iterations < 1n || iterations > BigInt(MAX_PBKDF2_ITERATIONS)) {
      throw formatUnsupported(
        `The key asks for PBKDF2 with more than ${MAX_PBKDF2_ITERATIONS.toLocaleString('en-US')} iterations, or none. ${reEncrypt}`,
      );
    }
    const salt = requireSalt(params.salt);
    return (passphrase, keyBytes) => {
      requireKeyLength(params.keyLength, keyBytes);
      return pbkdf2Sync(passphrase, salt, Number(iterations), keyBytes, hash);
    };
  }
  if (kdf.algorithm === OID.scrypt) {
    const params = parse(kdf.parameters, ScryptParams, 'the scrypt parameters');
    const { costParameter: n, blockSize: r, parallelizationParameter: p } = params;
    const memory = 128n * n * r;
    const sane =
      n > 1n &&
      (n & (n - 1n)) === 0n &&
      r >= 1n &&
      r <= BigInt(MAX_SCRYPT_BLOCK_SIZE) &&
      p >= 1n &&
      p <= BigInt(MAX_SCRYPT_PARALLELISM) &&
      memory <= BigInt(MAX_SCRYPT_MEMORY);
    if (!sane) {
      throw formatUnsupported(
        `The key asks for scrypt parameters beyond Keywarden's limits (memory over ${MAX_SCRYPT_MEMORY / 1024 / 1024} MiB, r over ${MAX_SCRYPT_BLOCK_SIZE}, p over ${MAX_SCRYPT_PARALLELISM}, or N not a power of two). ${reEncrypt}`,
      );
    }
    const salt = requireSalt(params.salt);
    return (passphrase, keyBytes) => {
      requireKeyLength(params.keyLength, keyBytes);
      // maxmem covers scrypt's V array and p blocks with room to spare.
      const maxmem = Number(memory) + Number(p) * 128 * Number(r) + 16 * 1024 * 1024;
      return scryptSync(passphrase, salt, keyBytes, {
        N: Number(n),
        r: Number(r),
        p: Number(p),
        maxmem,
      });
    };
  }
  throw formatUnsupported(
    `The key is encrypted with a key-derivation function Keywarden does not support. ${reEncrypt}`,
  );
}

function requireSalt(salt: ArrayBuffer): Buffer {
  if (salt.byteLength < 1 || salt.byteLength > MAX_SALT_BYTES) {
    throw formatInvalid('The encrypted private key is malformed: its salt has a bad length.');
  }
  return Buffer.from(salt);
}

function requireKeyLength(declared: bigint | undefined, keyBytes: number): void {
  if (declared !== undefined && declared !== BigInt(keyBytes)) {
    throw formatInvalid(
      'The encrypted private key is malformed: its key length does not fit its cipher.',
    );
  }
}

/**
 * Decrypts an encrypted PKCS#8 (DER) and reads the key in it. The KDF parameters are checked
 * against the limits above before any work. Throws PASSPHRASE_REQUIRED (no passphrase),
 * FORMAT_INVALID, FORMAT_UNSUPPORTED (legacy PBES1, an unknown cipher or KDF, parameters
 * beyond the limits) and PASSPHRASE_INCORRECT (the decryption fails: without a MAC, a wrong
 * passphrase and a damaged file look the same).
 */
export function decryptPkcs8(der: Buffer, passphrase: Buffer | undefined): KeyObject {
  requireWholeDer(der, 'The encrypted private key');
  const info = parse(der, EncryptedPrivateKeyInfo, 'its fields');
  if (info.encryptionAlgorithm.algorithm !== OID.pbes2) {
    throw formatUnsupported(
      `The key is encrypted with legacy PBES1 or PKCS#12 encryption. ${reEncrypt}`,
    );
  }
  const pbes2 = parse(info.encryptionAlgorithm.parameters, Pbes2Params, 'the PBES2 parameters');
  const cipher = AES_CBC.get(pbes2.encryptionScheme.algorithm);
  if (!cipher)
    throw formatUnsupported(
      `The key is encrypted with a cipher Keywarden does not support. ${reEncrypt}`,
    );
  const iv = Buffer.from(
    parse(pbes2.encryptionScheme.parameters, OctetString, 'the cipher parameters').buffer,
  );
  const kdf = boundedKdf(pbes2.keyDerivationFunc);
  const ciphertext = Buffer.from(info.encryptedData.buffer);
  if (iv.length !== 16 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw formatInvalid(
      'The encrypted private key is malformed: its IV or ciphertext has a bad length.',
    );
  }
  if (!passphrase) throw passphraseRequired();

  // The derived key and the plaintext PKCS#8 (in pieces and whole) are zeroed in the
  // finally block.
  let key: Buffer | undefined;
  const pieces: Buffer[] = [];
  let plaintext: Buffer | undefined;
  try {
    key = kdf(passphrase, cipher.keyBytes);
    const decipher = createDecipheriv(cipher.cipher, key, iv);
    pieces.push(decipher.update(ciphertext));
    try {
      pieces.push(decipher.final());
    } catch {
      throw passphraseIncorrect(); // the CBC padding did not check out
    }
    plaintext = Buffer.concat(pieces);
    try {
      return readPrivateDer(plaintext, 'pkcs8');
    } catch (error) {
      // Padding that checks out by chance under a wrong key leaves bytes that do not parse.
      if (error instanceof KeywardenError && error.code === ErrorCode.FORMAT_INVALID) {
        throw passphraseIncorrect();
      }
      throw error;
    }
  } finally {
    zeroize(key, plaintext, ...pieces);
  }
}

/**
 * Encrypts a PKCS#8 private key (DER) under `passphrase` as an encrypted PKCS#8 PEM
 * ("BEGIN ENCRYPTED PRIVATE KEY"): PBES2 with PBKDF2-HMAC-SHA-256 (a fresh 16-byte salt,
 * `iterations` default 600,000) and AES-256-CBC (a fresh IV), as `openssl pkcs8` reads it.
 * Throws BAD_REQUEST (an empty passphrase, iterations outside 1,000 to 10,000,000),
 * FORMAT_INVALID or FORMAT_UNSUPPORTED (`pkcs8Der` is not a PKCS#8 key) and INTERNAL.
 */
export function encryptPkcs8(
  pkcs8Der: Buffer,
  passphrase: Buffer,
  options: { iterations?: number } = {},
): string {
  const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_PBKDF2_ITERATIONS ||
    iterations > MAX_PBKDF2_ITERATIONS
  ) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `PBKDF2 iterations must be a whole number from ${MIN_PBKDF2_ITERATIONS.toLocaleString('en-US')} to ${MAX_PBKDF2_ITERATIONS.toLocaleString('en-US')}.`,
    );
  }
  if (passphrase.length === 0) {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, 'Give a passphrase to encrypt the key under.');
  }
  readPrivateDer(pkcs8Der, 'pkcs8');
  // The derived key is zeroed in the finally block; the plaintext is the caller's.
  let key: Buffer | undefined;
  try {
    const salt = randomBytes(16);
    const iv = randomBytes(16);
    key = pbkdf2Sync(passphrase, salt, iterations, 32, 'sha256');
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    const ciphertext = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
    const pbkdf2 = new Pbkdf2Params();
    pbkdf2.salt = new Uint8Array(salt).buffer;
    pbkdf2.iterationCount = BigInt(iterations);
    pbkdf2.prf = new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null });
    const pbes2 = new Pbes2Params();
    pbes2.keyDerivationFunc = new AlgorithmIdentifier({
      algorithm: OID.pbkdf2,
      parameters: AsnSerializer.serialize(pbkdf2),
    });
    pbes2.encryptionScheme = new AlgorithmIdentifier({
      algorithm: OID.aes256Cbc,
      parameters: AsnSerializer.serialize(new OctetString(iv)),
    });
    const info = new EncryptedPrivateKeyInfo({
      encryptionAlgorithm: new AlgorithmIdentifier({
        algorithm: OID.pbes2,
        parameters: AsnSerializer.serialize(pbes2),
      }),
      encryptedData: new EncryptedData(ciphertext),
    });
    return writePemBlock('ENCRYPTED PRIVATE KEY', new Uint8Array(AsnSerializer.serialize(info)));
  } catch {
    throw new KeywardenError(ErrorCode.INTERNAL, 'The key could not be encrypted.');
  } finally {
    zeroize(key);
  }
}
