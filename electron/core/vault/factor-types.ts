import type { Argon2id, Argon2idParams } from '../../../native/kdf/kdf.ts';
import type { SealedRef, Sealer } from '../../../native/keychain/sealer.ts';
import type { Tpm2, TpmSealed } from '../../../native/tpm2/tpm2.ts';
import type { TokenLayer } from '../../../native/pkcs11/pkcs11.ts';
import type { HidTokenAccess } from '../../../native/hid/hid-access.ts';
import type { TokenProgress } from '../../../native/hid/hid-transport.ts';
import type { KdfChoice } from './kdf-params.ts';

// The factors a slot can be built from, in three shapes: what is stored in a slot's public
// parameters (FactorParams), what a person offers at unlock (OfferedFactor), and what a person
// gives to enrol one (FactorEnrolment). Each factor yields a secret of its own (the "factor
// secret"); slots turn factor secrets into a KEK (see policy-slots.ts).

export const FactorKind = {
  PASSPHRASE: 'passphrase',
  KEYCHAIN: 'keychain',
  TPM2: 'tpm2',
  PKCS11: 'pkcs11',
  YUBIKEY_HMAC: 'yubikey-hmac',
  FIDO2: 'fido2',
} as const;
export type FactorKind = (typeof FactorKind)[keyof typeof FactorKind];

export const FACTOR_KINDS: readonly FactorKind[] = Object.values(FactorKind);

/** Argon2id parameters and the salt, as a passphrase or TPM PIN factor stores them. */
export interface StretchParams extends Argon2idParams {
  salt: string;
}

export type PassphraseFactorParams = { kind: 'passphrase' } & StretchParams;

export interface KeychainFactorParams {
  kind: 'keychain';
  sealer: string;
  ref: SealedRef;
}

export interface Tpm2FactorParams {
  kind: 'tpm2';
  sealed: TpmSealed;
  /** Present when a PIN is part of the factor: how it is stretched before use. */
  pin?: StretchParams;
}

export type Pkcs11Mechanism = 'ecdh-p256' | 'rsa-oaep-sha256' | 'rsa-oaep-sha1';

export interface Pkcs11FactorParams {
  kind: 'pkcs11';
  serial: string;
  /** The token's label at enrolment, for messages only. */
  label: string;
  /** The module the token was reached through at enrolment ('' for any loaded module). */
  module: string;
  /** CKA_ID (hex) of the token's non-extractable key. */
  keyId: string;
  mechanism: Pkcs11Mechanism;
  /** Base64: the ephemeral public point (ECDH) or the OAEP ciphertext of the secret (RSA). */
  data: string;
}

export interface YubiKeyFactorParams {
  kind: 'yubikey-hmac';
  slot: 1 | 2;
  /** Base64 of the 32-byte challenge the key answers with HMAC-SHA1. */
  challenge: string;
  serial?: string;
}

export interface Fido2FactorParams {
  kind: 'fido2';
  rpId: string;
  /** Base64 of the credential id (non-resident: the token needs it back). */
  credentialId: string;
  /** Base64 of the 32-byte hmac-secret salt. */
  salt: string;
  /** Whether the PIN was verified at enrolment: the token's answer differs without it. */
  userVerified: boolean;
}

/** One factor's public parameters, stored in a slot. Never secret. */
export type FactorParams =
  | PassphraseFactorParams
  | KeychainFactorParams
  | Tpm2FactorParams
  | Pkcs11FactorParams
  | YubiKeyFactorParams
  | Fido2FactorParams;

/** What a person offers at unlock. Secret bytes are the caller's to zero. */
export type OfferedFactor =
  | { kind: 'passphrase'; passphrase: Uint8Array }
  | { kind: 'recovery-key'; recoveryKey: Uint8Array }
  | { kind: 'keychain' }
  | { kind: 'tpm2'; pin?: Uint8Array }
  | { kind: 'pkcs11'; serial: string; pin: Uint8Array; module?: string; acceptFinalTry?: boolean }
  | { kind: 'yubikey-hmac'; serial?: string }
  | { kind: 'fido2'; pin?: Uint8Array };

/** What a person gives to enrol a factor. Secret bytes are the caller's to zero. */
export type FactorEnrolment =
  | { kind: 'passphrase'; passphrase: Uint8Array; kdf?: KdfChoice }
  | { kind: 'keychain' }
  | { kind: 'tpm2'; pcrs: number[]; pin?: Uint8Array; kdf?: KdfChoice }
  | {
      kind: 'pkcs11';
      serial: string;
      keyId: string;
      pin: Uint8Array;
      module?: string;
      acceptFinalTry?: boolean;
    }
  | { kind: 'yubikey-hmac'; slot: 1 | 2; serial?: string }
  | { kind: 'fido2'; pin?: Uint8Array; rpId?: string };

/** The devices and keepers factors reach; absent ones make their factors unavailable. */
export interface FactorDevices {
  argon2: Argon2id;
  keychain: Sealer;
  tpm2?: Tpm2;
  tokens?: () => TokenLayer;
  hid?: HidTokenAccess;
  /** A HID token waits for a touch, or works. */
  onTokenProgress?: (progress: TokenProgress) => void;
}

/** A factor secret and how to take back what enrolling it left outside the vault. */
export interface Enrolled<P extends FactorParams = FactorParams> {
  params: P;
  /** The factor secret; the caller zeroes it. */
  secret: Buffer;
  /** Undoes what enrolment left outside the vault (a keychain item); best effort. */
  undo?: () => Promise<void>;
}
