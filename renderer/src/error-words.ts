import type { ErrorInfo } from '../../electron/shared/errors.ts';

// Errors in words a person can act on. The service's message already says what happened
// (and, for a PIN, how many tries are left); these lines add what to do about it.

const ADVICE: Readonly<Record<string, string>> = {
  PASSPHRASE_INCORRECT: 'Check the passphrase (and Caps Lock) and try again.',
  PASSPHRASE_TOO_SHORT: 'Choose a longer passphrase.',
  PASSPHRASE_MISMATCH: 'The two entries differ; type the passphrase again in both fields.',
  RECOVERY_KEY_INCORRECT: 'Check the recovery key against the printed copy.',
  RECOVERY_KEY_MALFORMED:
    'A recovery key is groups of letters and digits; check for a missing group.',
  PIN_INCORRECT: 'Check the PIN. Each wrong PIN uses up one of its tries.',
  PIN_LOCKED: 'The PIN is blocked: the security officer can unblock it with the SO PIN.',
  PIN_FINAL_TRY: 'One try is left before the PIN blocks. Be sure of it before trying again.',
  TOKEN_NOT_PRESENT: 'Insert the token (or smartcard) and try again.',
  TOKEN_REMOVED: 'The token was removed during the operation; insert it and try again.',
  TPM_UNAVAILABLE: "This machine's TPM cannot be reached; use another unlock factor.",
  TPM_LOCKOUT: 'The TPM is locked out after too many wrong PINs; wait for it to recover.',
  KEYCHAIN_UNAVAILABLE: 'The OS keychain is not available; unlock with another factor.',
  VAULT_LOCKED: 'The vault is locked; unlock it to go on.',
  VAULT_NOT_FOUND: 'There is no vault file at that place; create one or choose another file.',
  VAULT_BUSY: 'Another Keywarden has this vault open; close it and try again.',
  REAUTH_REQUIRED: 'This needs a fresh unlock: give the vault passphrase again.',
  QUORUM_NOT_MET: 'More factors (or shares) are needed to reach the quorum.',
  SHARE_INVALID: 'One share is damaged or belongs elsewhere; the message names which.',
  IPC_BAD_REQUEST: 'The app sent something the vault does not accept; report this.',
};

/** The message, and the advice for its code when there is one. */
export function inWords(error: ErrorInfo): { message: string; advice: string | null } {
  return { message: error.message, advice: ADVICE[error.code] ?? null };
}
