import type { FactorEnrolmentRequest } from '../../../../electron/shared/contract.ts';
import type { SecretBytes } from './secret-bytes.ts';

// The factors of a new unlock slot as a person fills them in, what is still wrong with each
// before anything is sent, and the enrolment request each becomes. Typed secrets stay text
// here; they become bytes only in the request, through the caller's SecretBytes.

export type FactorDraft =
  | { kind: 'passphrase'; passphrase: string; again: string }
  | { kind: 'keychain' }
  | { kind: 'tpm2'; pin: string; again: string; pcr7: boolean }
  | { kind: 'pkcs11'; serial: string; keyId: string; pin: string }
  | { kind: 'yubikey-hmac'; slot: 1 | 2 }
  | { kind: 'fido2'; pin: string };

export type FactorKind = FactorDraft['kind'];

/** The kinds of factor a slot can be made of, in words, in the order they are offered. */
export const FACTOR_KINDS: ReadonlyArray<{ kind: FactorKind; label: string; hint: string }> = [
  { kind: 'passphrase', label: 'Passphrase', hint: 'Stretched with Argon2id, calibrated here.' },
  { kind: 'keychain', label: 'OS keychain', hint: "This user's keychain keeps a random secret." },
  { kind: 'tpm2', label: 'TPM 2.0', hint: "Sealed to this machine's TPM, with an optional PIN." },
  { kind: 'pkcs11', label: 'Smartcard or HSM (PKCS#11)', hint: 'A key on a token wraps it.' },
  { kind: 'yubikey-hmac', label: 'YubiKey (HMAC-SHA1)', hint: 'Challenge-response, slot 1 or 2.' },
  { kind: 'fido2', label: 'FIDO2 security key', hint: 'The hmac-secret extension.' },
];

/** A blank factor of `kind`. */
export function blankFactor(kind: FactorKind): FactorDraft {
  switch (kind) {
    case 'passphrase':
      return { kind, passphrase: '', again: '' };
    case 'keychain':
      return { kind };
    case 'tpm2':
      return { kind, pin: '', again: '', pcr7: false };
    case 'pkcs11':
      return { kind, serial: '', keyId: '', pin: '' };
    case 'yubikey-hmac':
      return { kind, slot: 2 };
    case 'fido2':
      return { kind, pin: '' };
  }
}

/** Hex bytes, as the contract takes a token key's CKA_ID (an even count of hex digits). */
const HEX_KEY_ID = /^(?:[0-9a-fA-F]{2}){1,64}$/;

/** What is still wrong with a factor, in words; null when it can be sent. */
export function problemOf(draft: FactorDraft): string | null {
  switch (draft.kind) {
    case 'passphrase':
      if (draft.passphrase.length === 0) return 'Type the new passphrase.';
      if (draft.again !== draft.passphrase) return 'The two passphrase entries differ.';
      return null;
    case 'tpm2':
      return draft.again !== draft.pin ? 'The two PIN entries differ.' : null;
    case 'pkcs11':
      if (draft.serial === '') return 'Choose the token.';
      if (!HEX_KEY_ID.test(draft.keyId)) return 'The key id is hex bytes (CKA_ID), such as 01.';
      if (draft.pin.length === 0) return "Type the token's PIN.";
      return null;
    default:
      return null;
  }
}

/** The enrolment request of a factor; its secret bytes come from (and are zeroed by) `secrets`. */
export function enrolmentOf(draft: FactorDraft, secrets: SecretBytes): FactorEnrolmentRequest {
  switch (draft.kind) {
    case 'passphrase':
      // No KDF parameters: the vault's defaults, calibrated on this machine.
      return { kind: 'passphrase', passphrase: secrets.of(draft.passphrase) };
    case 'keychain':
      return { kind: 'keychain' };
    case 'tpm2':
      return {
        kind: 'tpm2',
        ...(draft.pcr7 ? { pcrs: [7] } : {}),
        ...(draft.pin ? { pin: secrets.of(draft.pin) } : {}),
      };
    case 'pkcs11':
      return {
        kind: 'pkcs11',
        serial: draft.serial,
        keyId: draft.keyId.toLowerCase(),
        pin: secrets.of(draft.pin),
      };
    case 'yubikey-hmac':
      return { kind: 'yubikey-hmac', slot: draft.slot };
    case 'fido2':
      return draft.pin ? { kind: 'fido2', pin: secrets.of(draft.pin) } : { kind: 'fido2' };
  }
}
