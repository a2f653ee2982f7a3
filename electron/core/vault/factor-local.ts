import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { hkdfSha256 } from '../crypto/subkeys.ts';
import { encodeFields, zeroize } from '../crypto/bytes.ts';
import { KDF_DEFAULTS, resolveKdfParams, storedParamsAreValid } from './kdf-params.ts';
import type { CalibrationProgress, KdfChoice } from './kdf-params.ts';
import { validateNewPassphrase } from './unlock-slots.ts';
import type {
  Enrolled,
  FactorDevices,
  KeychainFactorParams,
  PassphraseFactorParams,
  StretchParams,
} from './factor-types.ts';
import type { Argon2id } from '../../../native/kdf/kdf.ts';

// The factors that need no device: a passphrase (stretched with Argon2id) and the OS
// keychain (a random secret the keychain keeps). A TPM PIN is stretched the same way as a
// passphrase, so stretching lives here too.

export const FACTOR_SECRET_BYTES = 32;

/**
 * New stretch parameters for `choice` (calibrated by default, reporting to `onProgress`), with a
 * fresh salt.
 */
export async function newStretchParams(
  argon2: Argon2id,
  choice: KdfChoice | undefined,
  onProgress?: (progress: CalibrationProgress) => void,
): Promise<StretchParams> {
  const params = await resolveKdfParams(
    argon2,
    choice ?? { kind: 'calibrate', ...KDF_DEFAULTS },
    onProgress,
  );
  return { ...params, salt: randomBytes(16).toString('base64') };
}

/** Whether stored stretch parameters are in range (a tampered slot must not make us allocate 100 GiB). */
export function stretchParamsAreValid(params: unknown): params is StretchParams {
  const p = params as Partial<StretchParams> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.salt === 'string' &&
    storedParamsAreValid(p as StretchParams)
  );
}

/** Argon2id of `secret` with stored parameters: 32 bytes the caller zeroes. */
export function stretch(
  argon2: Argon2id,
  secret: Uint8Array,
  params: StretchParams,
): Promise<Buffer> {
  return argon2.derive({
    password: secret,
    salt: Buffer.from(params.salt, 'base64'),
    memoryKiB: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: FACTOR_SECRET_BYTES,
  });
}

/**
 * Enrols a passphrase: checks its length, then stretches it (a calibration reports to
 * `onProgress`). Throws PASSPHRASE_TOO_SHORT, KDF_PARAMS_INVALID.
 */
export async function enrolPassphrase(
  devices: FactorDevices,
  passphrase: Uint8Array,
  kdf: KdfChoice | undefined,
  onProgress?: (progress: CalibrationProgress) => void,
): Promise<Enrolled<PassphraseFactorParams>> {
  validateNewPassphrase(passphrase);
  const stretchParams = await newStretchParams(devices.argon2, kdf, onProgress);
  const params: PassphraseFactorParams = { kind: 'passphrase', ...stretchParams };
  return { params, secret: await stretch(devices.argon2, passphrase, params) };
}

/**
 * Enrols the OS keychain: a new random secret handed to the keychain. Its undo deletes the
 * item again. Throws KEYCHAIN_UNAVAILABLE.
 */
export async function enrolKeychain(
  devices: FactorDevices,
): Promise<Enrolled<KeychainFactorParams>> {
  const secret = randomBytes(FACTOR_SECRET_BYTES);
  try {
    const ref = await devices.keychain.seal(secret);
    return {
      params: { kind: 'keychain', sealer: devices.keychain.kind, ref },
      secret,
      undo: async () => {
        await devices.keychain.forget(ref).catch(() => false);
      },
    };
  } catch (error) {
    zeroize(secret);
    throw error;
  }
}

/**
 * The keychain's secret for `params`. Throws FACTOR_MISSING when another keeper made it (the
 * app's safeStorage and the CLI's keychain binding do not share items), and the keeper's codes.
 */
export async function recoverKeychain(
  devices: FactorDevices,
  params: KeychainFactorParams,
): Promise<Buffer> {
  if (params.sealer !== devices.keychain.kind) {
    throw new KeywardenError(
      ErrorCode.FACTOR_MISSING,
      `This slot's keychain factor was made by ${params.sealer}, and this program's keychain is ${devices.keychain.kind}: it opens only where it was added.`,
    );
  }
  return devices.keychain.unseal(params.ref);
}

/** HKDF of one or more byte strings (length-prefixed) under a label: how factor parts are mixed. */
export function mix(label: string, ...parts: Uint8Array[]): Buffer {
  const joined = encodeFields(...parts);
  try {
    return hkdfSha256(joined, Buffer.alloc(0), label, FACTOR_SECRET_BYTES);
  } finally {
    zeroize(joined);
  }
}
