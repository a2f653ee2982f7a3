// The closed list of error codes every layer speaks. A code names what went wrong in the
// domain's words; the message says what a person can do about it. Messages never carry
// secrets (passphrases, PINs, keys, shares) — callers build them from ids and counts only.

export const ErrorCode = {
  // Bad input: nothing was changed.
  BAD_REQUEST: 'BAD_REQUEST',
  IPC_BAD_REQUEST: 'IPC_BAD_REQUEST',
  USAGE: 'USAGE',
  KDF_PARAMS_INVALID: 'KDF_PARAMS_INVALID',
  PASSPHRASE_TOO_SHORT: 'PASSPHRASE_TOO_SHORT',
  PASSPHRASE_MISMATCH: 'PASSPHRASE_MISMATCH',
  RECOVERY_KEY_MALFORMED: 'RECOVERY_KEY_MALFORMED',
  SECRET_INPUT_UNAVAILABLE: 'SECRET_INPUT_UNAVAILABLE',
  PASSPHRASE_REQUIRED: 'PASSPHRASE_REQUIRED',
  // Authentication.
  PASSPHRASE_INCORRECT: 'PASSPHRASE_INCORRECT',
  RECOVERY_KEY_INCORRECT: 'RECOVERY_KEY_INCORRECT',
  VAULT_LOCKED: 'VAULT_LOCKED',
  // The file.
  VAULT_NOT_FOUND: 'VAULT_NOT_FOUND',
  VAULT_EXISTS: 'VAULT_EXISTS',
  NOT_A_VAULT: 'NOT_A_VAULT',
  VAULT_FORMAT_UNSUPPORTED: 'VAULT_FORMAT_UNSUPPORTED',
  VAULT_HEADER_TAMPERED: 'VAULT_HEADER_TAMPERED',
  RECORD_TAMPERED: 'RECORD_TAMPERED',
  VAULT_CORRUPT: 'VAULT_CORRUPT',
  VAULT_READ_ONLY: 'VAULT_READ_ONLY',
  VAULT_BUSY: 'VAULT_BUSY',
  RECORD_NOT_FOUND: 'RECORD_NOT_FOUND',
  SLOT_NOT_FOUND: 'SLOT_NOT_FOUND',
  RECOVERY_KEY_EXISTS: 'RECOVERY_KEY_EXISTS',
  // The inventory.
  KEY_STATE_INVALID: 'KEY_STATE_INVALID',
  SEPARATION_OF_DUTIES: 'SEPARATION_OF_DUTIES',
  POLICY_VIOLATION: 'POLICY_VIOLATION',
  POLICY_INVALID: 'POLICY_INVALID',
  PERSON_NOT_FOUND: 'PERSON_NOT_FOUND',
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  FORMAT_INVALID: 'FORMAT_INVALID',
  FORMAT_UNSUPPORTED: 'FORMAT_UNSUPPORTED',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  KEY_PURPOSE_MISMATCH: 'KEY_PURPOSE_MISMATCH',
  KEY_NOT_HELD: 'KEY_NOT_HELD',
  REWRAP_PENDING: 'REWRAP_PENDING',
  // The audit chain.
  AUDIT_CHAIN_BROKEN: 'AUDIT_CHAIN_BROKEN',
  AUDIT_WRITE_FAILED: 'AUDIT_WRITE_FAILED',
  // Tokens and devices (PKCS#11 errors map here from their CKR_* code, never their text).
  TOKEN_NOT_PRESENT: 'TOKEN_NOT_PRESENT',
  TOKEN_REMOVED: 'TOKEN_REMOVED',
  SESSION_LOST: 'SESSION_LOST',
  PIN_INCORRECT: 'PIN_INCORRECT',
  PIN_LOCKED: 'PIN_LOCKED',
  PIN_INVALID: 'PIN_INVALID',
  PIN_REQUIRED: 'PIN_REQUIRED',
  PIN_EXPIRED: 'PIN_EXPIRED',
  PIN_FINAL_TRY: 'PIN_FINAL_TRY',
  MECHANISM_UNSUPPORTED: 'MECHANISM_UNSUPPORTED',
  MODULE_LOAD_FAILED: 'MODULE_LOAD_FAILED',
  TOKEN_WRITE_PROTECTED: 'TOKEN_WRITE_PROTECTED',
  TOKEN_FULL: 'TOKEN_FULL',
  TOKEN_FAILED: 'TOKEN_FAILED',
  // HID tokens (FIDO2 over CTAPHID, YubiKey OTP challenge-response).
  HID_UNAVAILABLE: 'HID_UNAVAILABLE',
  TOKEN_TIMEOUT: 'TOKEN_TIMEOUT',
  TOKEN_BUSY: 'TOKEN_BUSY',
  TOKEN_PROTOCOL_ERROR: 'TOKEN_PROTOCOL_ERROR',
  TOKEN_TOUCH_TIMEOUT: 'TOKEN_TOUCH_TIMEOUT',
  TOKEN_ACTION_DENIED: 'TOKEN_ACTION_DENIED',
  TOKEN_CANCELLED: 'TOKEN_CANCELLED',
  TOKEN_CREDENTIAL_NOT_FOUND: 'TOKEN_CREDENTIAL_NOT_FOUND',
  TOKEN_SLOT_NOT_CONFIGURED: 'TOKEN_SLOT_NOT_CONFIGURED',
  PIN_AUTH_BLOCKED: 'PIN_AUTH_BLOCKED',
  PIN_NOT_SET: 'PIN_NOT_SET',
  // The OS keychain slot, and slot management.
  KEYCHAIN_UNAVAILABLE: 'KEYCHAIN_UNAVAILABLE',
  KEYCHAIN_SECRET_MISSING: 'KEYCHAIN_SECRET_MISSING',
  KEYCHAIN_SECRET_INCORRECT: 'KEYCHAIN_SECRET_INCORRECT',
  SLOT_LAST_REMAINING: 'SLOT_LAST_REMAINING',
  /** Removing the slot would leave none that this session has seen open the vault. */
  SLOT_LAST_WORKING: 'SLOT_LAST_WORKING',
  // The TPM 2.0 slot.
  TPM_UNAVAILABLE: 'TPM_UNAVAILABLE',
  TPM_PCR_MISMATCH: 'TPM_PCR_MISMATCH',
  TPM_AUTH_FAILED: 'TPM_AUTH_FAILED',
  TPM_LOCKOUT: 'TPM_LOCKOUT',
  TPM_SEALED_OBJECT_INVALID: 'TPM_SEALED_OBJECT_INVALID',
  TPM_FAILED: 'TPM_FAILED',
  // Combined and quorum slots, and re-authentication for slot changes.
  FACTOR_MISSING: 'FACTOR_MISSING',
  FACTOR_INCORRECT: 'FACTOR_INCORRECT',
  QUORUM_NOT_MET: 'QUORUM_NOT_MET',
  REAUTH_REQUIRED: 'REAUTH_REQUIRED',
  // Ceremonies: shares and key components.
  SHARE_INVALID: 'SHARE_INVALID',
  KCV_MISMATCH: 'KCV_MISMATCH',
  // The ceremony engine and its transcripts.
  CEREMONY_TEMPLATE_NOT_FOUND: 'CEREMONY_TEMPLATE_NOT_FOUND',
  CEREMONY_TEMPLATE_INVALID: 'CEREMONY_TEMPLATE_INVALID',
  CEREMONY_NOT_FOUND: 'CEREMONY_NOT_FOUND',
  /** The ceremony is finished or aborted, or the step asked for is not the one due. */
  CEREMONY_STATE_INVALID: 'CEREMONY_STATE_INVALID',
  /** A participant's passphrase or token signature did not prove them present. */
  PRESENCE_NOT_PROVEN: 'PRESENCE_NOT_PROVEN',
  /** A person has no presence factor enrolled. */
  PRESENCE_NOT_ENROLLED: 'PRESENCE_NOT_ENROLLED',
  TRANSCRIPT_INVALID: 'TRANSCRIPT_INVALID',
  TRANSCRIPT_SIGNATURE_INVALID: 'TRANSCRIPT_SIGNATURE_INVALID',
  /** This user's settings file cannot be read or written, or is malformed. */
  SETTINGS_INVALID: 'SETTINGS_INVALID',
  /** This process has no clipboard (the command line); the app and the test bridge have one. */
  CLIPBOARD_UNAVAILABLE: 'CLIPBOARD_UNAVAILABLE',
  /** This process cannot print (the command line: open the PDF yourself). */
  PRINTER_UNAVAILABLE: 'PRINTER_UNAVAILABLE',
  /** Only a share sheet or a transcript PDF the vault wrote is printed, and only while it is intact. */
  PRINT_NOT_ALLOWED: 'PRINT_NOT_ALLOWED',
  /** The system could not open the PDF to print it. */
  PRINT_FAILED: 'PRINT_FAILED',
  // Everything else.
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Whether `value` is one of the closed list of error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

/** The one error type of Keywarden: a code from the closed list and an actionable message. */
export class KeywardenError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeywardenError';
    this.code = code;
  }
}

/** The serialisable shape of an error as it crosses a process boundary. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

/**
 * Turns anything thrown into an ErrorInfo. Unknown errors become INTERNAL with a generic
 * message: their text may come from a library and is not vetted to be free of secrets.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof KeywardenError) return { code: error.code, message: error.message };
  return {
    code: ErrorCode.INTERNAL,
    message: 'An internal error occurred; run with --debug for details.',
  };
}

/** How failures sort into the CLI's exit codes (0 ok, 1 other, 2 usage, 3 auth, 4 corrupt, 5 device). */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, AUTH: 3, CORRUPT: 4, DEVICE: 5 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const EXIT_BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  USAGE: ExitCode.USAGE,
  BAD_REQUEST: ExitCode.USAGE,
  IPC_BAD_REQUEST: ExitCode.USAGE,
  KDF_PARAMS_INVALID: ExitCode.USAGE,
  PASSPHRASE_INCORRECT: ExitCode.AUTH,
  PASSPHRASE_REQUIRED: ExitCode.AUTH,
  RECOVERY_KEY_INCORRECT: ExitCode.AUTH,
  RECOVERY_KEY_MALFORMED: ExitCode.AUTH,
  SLOT_NOT_FOUND: ExitCode.AUTH,
  PIN_INCORRECT: ExitCode.AUTH,
  NOT_A_VAULT: ExitCode.CORRUPT,
  VAULT_HEADER_TAMPERED: ExitCode.CORRUPT,
  RECORD_TAMPERED: ExitCode.CORRUPT,
  VAULT_CORRUPT: ExitCode.CORRUPT,
  AUDIT_CHAIN_BROKEN: ExitCode.CORRUPT,
  TOKEN_NOT_PRESENT: ExitCode.DEVICE,
  TOKEN_REMOVED: ExitCode.DEVICE,
  SESSION_LOST: ExitCode.DEVICE,
  PIN_LOCKED: ExitCode.DEVICE,
  PIN_EXPIRED: ExitCode.AUTH,
  PIN_FINAL_TRY: ExitCode.AUTH,
  PIN_INVALID: ExitCode.USAGE,
  PIN_REQUIRED: ExitCode.AUTH,
  MECHANISM_UNSUPPORTED: ExitCode.DEVICE,
  MODULE_LOAD_FAILED: ExitCode.DEVICE,
  TOKEN_WRITE_PROTECTED: ExitCode.DEVICE,
  TOKEN_FULL: ExitCode.DEVICE,
  TOKEN_FAILED: ExitCode.DEVICE,
  HID_UNAVAILABLE: ExitCode.DEVICE,
  TOKEN_TIMEOUT: ExitCode.DEVICE,
  TOKEN_BUSY: ExitCode.DEVICE,
  TOKEN_PROTOCOL_ERROR: ExitCode.DEVICE,
  TOKEN_TOUCH_TIMEOUT: ExitCode.DEVICE,
  TOKEN_ACTION_DENIED: ExitCode.AUTH,
  TOKEN_CANCELLED: ExitCode.FAILURE,
  TOKEN_CREDENTIAL_NOT_FOUND: ExitCode.AUTH,
  TOKEN_SLOT_NOT_CONFIGURED: ExitCode.DEVICE,
  PIN_AUTH_BLOCKED: ExitCode.DEVICE,
  PIN_NOT_SET: ExitCode.DEVICE,
  KEYCHAIN_UNAVAILABLE: ExitCode.DEVICE,
  KEYCHAIN_SECRET_MISSING: ExitCode.AUTH,
  KEYCHAIN_SECRET_INCORRECT: ExitCode.AUTH,
  SLOT_LAST_REMAINING: ExitCode.USAGE,
  SLOT_LAST_WORKING: ExitCode.USAGE,
  TPM_UNAVAILABLE: ExitCode.DEVICE,
  TPM_PCR_MISMATCH: ExitCode.AUTH,
  TPM_AUTH_FAILED: ExitCode.AUTH,
  TPM_LOCKOUT: ExitCode.DEVICE,
  TPM_SEALED_OBJECT_INVALID: ExitCode.DEVICE,
  TPM_FAILED: ExitCode.DEVICE,
  FACTOR_MISSING: ExitCode.USAGE,
  FACTOR_INCORRECT: ExitCode.AUTH,
  QUORUM_NOT_MET: ExitCode.AUTH,
  REAUTH_REQUIRED: ExitCode.AUTH,
  SETTINGS_INVALID: ExitCode.USAGE,
  CLIPBOARD_UNAVAILABLE: ExitCode.USAGE,
  PRINTER_UNAVAILABLE: ExitCode.USAGE,
  PRINT_NOT_ALLOWED: ExitCode.USAGE,
  SHARE_INVALID: ExitCode.USAGE,
  KCV_MISMATCH: ExitCode.AUTH,
  CEREMONY_TEMPLATE_NOT_FOUND: ExitCode.USAGE,
  CEREMONY_TEMPLATE_INVALID: ExitCode.USAGE,
  CEREMONY_NOT_FOUND: ExitCode.USAGE,
  CEREMONY_STATE_INVALID: ExitCode.USAGE,
  PRESENCE_NOT_PROVEN: ExitCode.AUTH,
  PRESENCE_NOT_ENROLLED: ExitCode.AUTH,
  TRANSCRIPT_INVALID: ExitCode.CORRUPT,
  TRANSCRIPT_SIGNATURE_INVALID: ExitCode.CORRUPT,
};

/** The CLI exit code for an error code. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  return EXIT_BY_CODE[code] ?? ExitCode.FAILURE;
}
