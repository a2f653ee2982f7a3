import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { FACTOR_SECRET_BYTES, mix, newStretchParams, stretch } from './factor-local.ts';
import type { KdfChoice } from './kdf-params.ts';
import type { Enrolled, FactorDevices, Tpm2FactorParams } from './factor-types.ts';
import type { Tpm2 } from '../../../native/tpm2/tpm2.ts';

// The TPM 2.0 factor: a random 32-byte secret sealed to the TPM under its storage primary key,
// optionally bound to PCR values (PCR 7: the Secure Boot state) and to a PIN. A PIN is
// stretched with Argon2id; the TPM checks a value derived from it (so its dictionary-attack
// lockout limits guessing), and the stretched PIN is also mixed into the factor secret, so a
// TPM that gave the sealed secret away would still not open the slot without the PIN.

const AUTH_LABEL = 'keywarden/v1/tpm2-auth';
const SECRET_LABEL = 'keywarden/v1/tpm2-factor';

function tpmOf(devices: FactorDevices): Tpm2 {
  if (!devices.tpm2) {
    throw new KeywardenError(
      ErrorCode.TPM_UNAVAILABLE,
      'No TPM is configured for this program; give --tpm-tcti or set KEYWARDEN_TPM_TCTI.',
    );
  }
  return devices.tpm2;
}

function pinRequired(): KeywardenError {
  return new KeywardenError(
    ErrorCode.PIN_REQUIRED,
    "This slot's TPM factor has a PIN: give it (--tpm-pin-file F).",
  );
}

/** The TPM's auth value and the factor secret's PIN part, from a stretched PIN. */
async function pinParts(
  devices: FactorDevices,
  pin: Uint8Array,
  params: NonNullable<Tpm2FactorParams['pin']>,
): Promise<{ stretched: Buffer; authValue: Buffer }> {
  const stretched = await stretch(devices.argon2, pin, params);
  return { stretched, authValue: mix(AUTH_LABEL, stretched) };
}

/**
 * Seals a new secret to the TPM, bound to `pcrs` and to `pin` when given. Throws BAD_REQUEST
 * (PCR list), TPM_UNAVAILABLE, TPM_FAILED, KDF_PARAMS_INVALID.
 */
export async function enrolTpm2(
  devices: FactorDevices,
  pcrs: number[],
  pin: Uint8Array | undefined,
  kdf: KdfChoice | undefined,
): Promise<Enrolled<Tpm2FactorParams>> {
  const tpm = tpmOf(devices);
  if (pin !== undefined && pin.length === 0) {
    throw new KeywardenError(ErrorCode.PIN_INVALID, 'A TPM PIN cannot be empty.');
  }
  const sealedSecret = randomBytes(FACTOR_SECRET_BYTES);
  const pinParams = pin ? await newStretchParams(devices.argon2, kdf) : undefined;
  const parts = pin && pinParams ? await pinParts(devices, pin, pinParams) : null;
  try {
    const sealed = await tpm.seal(sealedSecret, {
      pcrs,
      ...(parts ? { authValue: parts.authValue } : {}),
    });
    const params: Tpm2FactorParams = {
      kind: 'tpm2',
      sealed,
      ...(pinParams ? { pin: pinParams } : {}),
    };
    const secret = parts
      ? mix(SECRET_LABEL, sealedSecret, parts.stretched)
      : mix(SECRET_LABEL, sealedSecret);
    return { params, secret };
  } finally {
    zeroize(sealedSecret, parts?.stretched, parts?.authValue);
  }
}

/**
 * Unseals the factor's secret. Throws PIN_REQUIRED, TPM_UNAVAILABLE, TPM_PCR_MISMATCH,
 * TPM_AUTH_FAILED (a wrong PIN), TPM_LOCKOUT, TPM_SEALED_OBJECT_INVALID, TPM_FAILED.
 */
export async function recoverTpm2(
  devices: FactorDevices,
  params: Tpm2FactorParams,
  pin: Uint8Array | undefined,
): Promise<Buffer> {
  const tpm = tpmOf(devices);
  if (params.pin && (pin === undefined || pin.length === 0)) throw pinRequired();
  const parts = params.pin && pin ? await pinParts(devices, pin, params.pin) : null;
  try {
    const unsealed = await tpm.unseal(params.sealed, parts?.authValue).catch((error: unknown) => {
      // The stored object is checked before it reaches the TPM: one refused was altered.
      if ((error as KeywardenError).code === ErrorCode.BAD_REQUEST) {
        throw new KeywardenError(
          ErrorCode.VAULT_HEADER_TAMPERED,
          "This slot's TPM object is malformed: the header was altered outside Keywarden. Restore it from a backup.",
        );
      }
      throw error;
    });
    try {
      return parts ? mix(SECRET_LABEL, unsealed, parts.stretched) : mix(SECRET_LABEL, unsealed);
    } finally {
      zeroize(unsealed);
    }
  } finally {
    zeroize(parts?.stretched, parts?.authValue);
  }
}
