import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import {
  enrolKeychain,
  enrolPassphrase,
  recoverKeychain,
  stretch,
  stretchParamsAreValid,
} from './factor-local.ts';
import { enrolTpm2, recoverTpm2 } from './factor-tpm2.ts';
import { enrolPkcs11, recoverPkcs11 } from './factor-pkcs11.ts';
import { enrolFido2, enrolYubiKey, recoverFido2, recoverYubiKey } from './factor-hid.ts';
import { FACTOR_KINDS } from './factor-types.ts';
import type {
  Enrolled,
  FactorDevices,
  FactorEnrolment,
  FactorKind,
  FactorParams,
  OfferedFactor,
} from './factor-types.ts';

// One place that knows every factor kind: enrol one, recover its secret from what a person
// offers, tell whether an offer is for it, check stored parameters, and say in words what it
// is and what it needs.

/** Enrols one factor; the returned secret is the caller's to zero. */
export function enrolFactor(devices: FactorDevices, enrolment: FactorEnrolment): Promise<Enrolled> {
  switch (enrolment.kind) {
    case 'passphrase':
      return enrolPassphrase(devices, enrolment.passphrase, enrolment.kdf);
    case 'keychain':
      return enrolKeychain(devices);
    case 'tpm2':
      return enrolTpm2(devices, enrolment.pcrs, enrolment.pin, enrolment.kdf);
    case 'pkcs11':
      return enrolPkcs11(devices, enrolment);
    case 'yubikey-hmac':
      return enrolYubiKey(devices, enrolment.slot, enrolment.serial);
    case 'fido2':
      return enrolFido2(devices, enrolment.pin, enrolment.rpId);
  }
}

/**
 * Recovers a factor's secret from `offered` (which `offerFits` matched to it); the caller
 * zeroes it. Throws the factor's device and authentication codes.
 */
export function recoverFactor(
  devices: FactorDevices,
  params: FactorParams,
  offered: OfferedFactor,
): Promise<Buffer> {
  if (!offerFits(params, offered))
    throw new Error('recoverFactor: the offer is not for this factor');
  switch (params.kind) {
    case 'passphrase':
      return stretch(devices.argon2, (offered as { passphrase: Uint8Array }).passphrase, params);
    case 'keychain':
      return recoverKeychain(devices, params);
    case 'tpm2':
      return recoverTpm2(devices, params, (offered as { pin?: Uint8Array }).pin);
    case 'pkcs11':
      return recoverPkcs11(devices, params, offered as Extract<OfferedFactor, { kind: 'pkcs11' }>);
    case 'yubikey-hmac':
      return recoverYubiKey(devices, params, (offered as { serial?: string }).serial);
    case 'fido2':
      return recoverFido2(devices, params, (offered as { pin?: Uint8Array }).pin);
  }
}

/** Whether `offered` is meant for the factor `params` (same kind; a token by its serial). */
export function offerFits(params: FactorParams, offered: OfferedFactor): boolean {
  if (params.kind !== offered.kind) return false;
  if (params.kind === 'pkcs11') return (offered as { serial: string }).serial === params.serial;
  return true;
}

const isString = (value: unknown) => typeof value === 'string';
/** Whether `value` is canonical base64 of `bytes` bytes (any length ≥ 1 when absent). */
function isBase64(value: unknown, bytes?: number): boolean {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64');
  return (
    decoded.toString('base64') === value &&
    (bytes === undefined ? decoded.length > 0 : decoded.length === bytes)
  );
}
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether stored factor parameters have the shape their kind needs (a tampered slot is refused). */
export function factorParamsAreValid(value: unknown): value is FactorParams {
  if (!isRecord(value) || !FACTOR_KINDS.includes(value.kind as FactorKind)) return false;
  switch (value.kind as FactorKind) {
    case 'passphrase':
      return stretchParamsAreValid(value);
    case 'keychain':
      return (
        isString(value.sealer) && isRecord(value.ref) && Object.values(value.ref).every(isString)
      );
    case 'tpm2': {
      const sealed = value.sealed;
      return (
        isRecord(sealed) &&
        isString(sealed.public) &&
        isString(sealed.private) &&
        Array.isArray(sealed.pcrs) &&
        (value.pin === undefined || stretchParamsAreValid(value.pin))
      );
    }
    case 'pkcs11':
      return (
        ['serial', 'label', 'module', 'keyId'].every((field) => isString(value[field])) &&
        isBase64(value.data) &&
        ['ecdh-p256', 'rsa-oaep-sha256', 'rsa-oaep-sha1'].includes(value.mechanism as string)
      );
    case 'yubikey-hmac':
      return (value.slot === 1 || value.slot === 2) && isBase64(value.challenge, 32);
    case 'fido2':
      return (
        isString(value.rpId) &&
        isBase64(value.credentialId) &&
        isBase64(value.salt, 32) &&
        typeof value.userVerified === 'boolean'
      );
  }
}

/** A factor in words, for listings and messages ("token 1234 (officer-a) key 01"). */
export function describeFactor(params: FactorParams): string {
  switch (params.kind) {
    case 'passphrase':
      return 'passphrase';
    case 'keychain':
      return `OS keychain (${params.sealer})`;
    case 'tpm2': {
      const pcrs = params.sealed.pcrs.length ? `, PCR ${params.sealed.pcrs.join('+')}` : '';
      return `TPM${pcrs}${params.pin ? ', PIN' : ''}`;
    }
    case 'pkcs11':
      return `token ${params.serial}${params.label ? ` (${params.label})` : ''} key ${params.keyId}`;
    case 'yubikey-hmac':
      return `YubiKey slot ${params.slot}`;
    case 'fido2':
      return `FIDO2 key${params.userVerified ? ' with PIN' : ''}`;
  }
}

/** The unlock option that offers this factor, for messages. */
export function optionFor(params: FactorParams): string {
  switch (params.kind) {
    case 'passphrase':
      return '--passphrase-file F';
    case 'keychain':
      return '--keychain';
    case 'tpm2':
      return params.pin ? '--tpm --tpm-pin-file F' : '--tpm';
    case 'pkcs11':
      return `--token ${params.serial} --pin-file F`;
    case 'yubikey-hmac':
      return '--yubikey';
    case 'fido2':
      return params.userVerified ? '--fido2 --fido2-pin-file F' : '--fido2';
  }
}

/** The factor kinds whose errors say the factor itself was wrong (not absent or broken). */
export const WRONG_FACTOR_CODES: ReadonlySet<string> = new Set([
  ErrorCode.PASSPHRASE_INCORRECT,
  ErrorCode.RECOVERY_KEY_INCORRECT,
  ErrorCode.KEYCHAIN_SECRET_INCORRECT,
  ErrorCode.FACTOR_INCORRECT,
  ErrorCode.PIN_INCORRECT,
  ErrorCode.TPM_AUTH_FAILED,
  ErrorCode.TPM_PCR_MISMATCH,
  ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND,
]);

/** Codes after which an offered factor must not be tried again in the same unlock: a retry spends a PIN try. */
export const SPENT_FACTOR_CODES: ReadonlySet<string> = new Set([
  ErrorCode.PIN_INCORRECT,
  ErrorCode.PIN_LOCKED,
  ErrorCode.PIN_FINAL_TRY,
  ErrorCode.PIN_AUTH_BLOCKED,
  ErrorCode.TPM_AUTH_FAILED,
  ErrorCode.TPM_LOCKOUT,
]);

export function isKeywardenCode(error: unknown, codes: ReadonlySet<string>): boolean {
  return error instanceof KeywardenError && codes.has(error.code);
}
