import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';

// CTAP2 status codes (CTAP 2.1 §8.2) in Keywarden's words. The first byte of every CTAPHID_CBOR
// answer is one of these; the mapping reads the code and nothing else.

export const CtapStatus = {
  OK: 0x00,
  ERR_INVALID_COMMAND: 0x01,
  ERR_INVALID_PARAMETER: 0x02,
  ERR_INVALID_LENGTH: 0x03,
  ERR_INVALID_SEQ: 0x04,
  ERR_TIMEOUT: 0x05,
  ERR_CHANNEL_BUSY: 0x06,
  ERR_LOCK_REQUIRED: 0x0a,
  ERR_INVALID_CHANNEL: 0x0b,
  ERR_CBOR_UNEXPECTED_TYPE: 0x11,
  ERR_INVALID_CBOR: 0x12,
  ERR_MISSING_PARAMETER: 0x14,
  ERR_LIMIT_EXCEEDED: 0x15,
  ERR_UNSUPPORTED_EXTENSION: 0x16,
  ERR_CREDENTIAL_EXCLUDED: 0x19,
  ERR_PROCESSING: 0x21,
  ERR_INVALID_CREDENTIAL: 0x22,
  ERR_USER_ACTION_PENDING: 0x23,
  ERR_OPERATION_PENDING: 0x24,
  ERR_UNSUPPORTED_ALGORITHM: 0x26,
  ERR_OPERATION_DENIED: 0x27,
  ERR_KEY_STORE_FULL: 0x28,
  ERR_UNSUPPORTED_OPTION: 0x2b,
  ERR_INVALID_OPTION: 0x2c,
  ERR_KEEPALIVE_CANCEL: 0x2d,
  ERR_NO_CREDENTIALS: 0x2e,
  ERR_USER_ACTION_TIMEOUT: 0x2f,
  ERR_NOT_ALLOWED: 0x30,
  ERR_PIN_INVALID: 0x31,
  ERR_PIN_BLOCKED: 0x32,
  ERR_PIN_AUTH_INVALID: 0x33,
  ERR_PIN_AUTH_BLOCKED: 0x34,
  ERR_PIN_NOT_SET: 0x35,
  ERR_PUAT_REQUIRED: 0x36,
  ERR_PIN_POLICY_VIOLATION: 0x37,
  ERR_REQUEST_TOO_LARGE: 0x39,
  ERR_ACTION_TIMEOUT: 0x3a,
  ERR_UP_REQUIRED: 0x3b,
  ERR_UV_BLOCKED: 0x3c,
  ERR_INTEGRITY_FAILURE: 0x3d,
  ERR_INVALID_SUBCOMMAND: 0x3e,
  ERR_UV_INVALID: 0x3f,
  ERR_UNAUTHORIZED_PERMISSION: 0x40,
  ERR_OTHER: 0x7f,
} as const;

type Outcome = readonly [ErrorCode, string];

const OUTCOMES: ReadonlyMap<number, Outcome> = new Map<number, Outcome>([
  [CtapStatus.ERR_PIN_INVALID, [ErrorCode.PIN_INCORRECT, 'The token PIN is incorrect.']],
  [
    CtapStatus.ERR_PIN_BLOCKED,
    [ErrorCode.PIN_LOCKED, 'The token PIN is blocked; only a reset of the token clears it.'],
  ],
  [
    CtapStatus.ERR_PIN_AUTH_BLOCKED,
    [
      ErrorCode.PIN_AUTH_BLOCKED,
      'Too many wrong PINs in a row: unplug the token and plug it in again before the next try.',
    ],
  ],
  [
    CtapStatus.ERR_PIN_NOT_SET,
    [ErrorCode.PIN_NOT_SET, 'The token has no PIN yet; set one with its manager.'],
  ],
  [CtapStatus.ERR_PUAT_REQUIRED, [ErrorCode.PIN_REQUIRED, 'The token requires its PIN.']],
  [
    CtapStatus.ERR_PIN_POLICY_VIOLATION,
    [ErrorCode.PIN_INVALID, "The PIN does not meet the token's PIN policy."],
  ],
  [
    CtapStatus.ERR_NO_CREDENTIALS,
    [
      ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND,
      'This token does not hold the enrolled credential; use the token that was enrolled.',
    ],
  ],
  [
    CtapStatus.ERR_INVALID_CREDENTIAL,
    [ErrorCode.TOKEN_CREDENTIAL_NOT_FOUND, 'The token does not recognise the credential.'],
  ],
  [
    CtapStatus.ERR_OPERATION_DENIED,
    [ErrorCode.TOKEN_ACTION_DENIED, 'The request was declined on the token.'],
  ],
  [CtapStatus.ERR_UV_INVALID, [ErrorCode.TOKEN_ACTION_DENIED, 'User verification failed.']],
  [
    CtapStatus.ERR_USER_ACTION_TIMEOUT,
    [ErrorCode.TOKEN_TOUCH_TIMEOUT, 'The token was not touched in time; try again.'],
  ],
  [
    CtapStatus.ERR_ACTION_TIMEOUT,
    [ErrorCode.TOKEN_TOUCH_TIMEOUT, 'The token was not touched in time; try again.'],
  ],
  [
    CtapStatus.ERR_KEEPALIVE_CANCEL,
    [ErrorCode.TOKEN_CANCELLED, 'The token request was cancelled.'],
  ],
  [CtapStatus.ERR_TIMEOUT, [ErrorCode.TOKEN_TIMEOUT, 'The token timed out the request.']],
  [CtapStatus.ERR_KEY_STORE_FULL, [ErrorCode.TOKEN_FULL, 'The token has no room left.']],
]);

const UNSUPPORTED: ReadonlySet<number> = new Set([
  CtapStatus.ERR_INVALID_COMMAND,
  CtapStatus.ERR_UNSUPPORTED_EXTENSION,
  CtapStatus.ERR_UNSUPPORTED_ALGORITHM,
  CtapStatus.ERR_UNSUPPORTED_OPTION,
  CtapStatus.ERR_INVALID_SUBCOMMAND,
]);

const BUSY: ReadonlySet<number> = new Set([
  CtapStatus.ERR_CHANNEL_BUSY,
  CtapStatus.ERR_LOCK_REQUIRED,
  CtapStatus.ERR_PROCESSING,
  CtapStatus.ERR_USER_ACTION_PENDING,
  CtapStatus.ERR_OPERATION_PENDING,
]);

/** The status's name as the specification spells it, e.g. CTAP2_ERR_PIN_INVALID. */
export function ctapStatusName(status: number): string {
  const name = Object.entries(CtapStatus).find(([, value]) => value === status)?.[0];
  if (name === undefined) return `CTAP status 0x${status.toString(16).padStart(2, '0')}`;
  // The CTAP1_ codes are those shared with CTAPHID (0x01 to 0x0b) and ERR_OTHER.
  return status <= CtapStatus.ERR_INVALID_CHANNEL || status === CtapStatus.ERR_OTHER
    ? `CTAP1_${name}`
    : `CTAP2_${name}`;
}

/**
 * The coded error for a CTAP2 status other than OK: the PIN codes, TOKEN_CREDENTIAL_NOT_FOUND,
 * TOKEN_ACTION_DENIED, TOKEN_TOUCH_TIMEOUT, TOKEN_CANCELLED, TOKEN_TIMEOUT, TOKEN_FULL,
 * MECHANISM_UNSUPPORTED, TOKEN_BUSY, else TOKEN_FAILED naming the status.
 */
export function ctapStatusError(status: number): KeywardenError {
  const outcome = OUTCOMES.get(status);
  if (outcome) return new KeywardenError(outcome[0], outcome[1]);
  const name = ctapStatusName(status);
  if (UNSUPPORTED.has(status)) {
    return new KeywardenError(
      ErrorCode.MECHANISM_UNSUPPORTED,
      `The token does not support this request (${name}).`,
    );
  }
  if (BUSY.has(status)) {
    return new KeywardenError(ErrorCode.TOKEN_BUSY, `The token is busy (${name}); try again.`);
  }
  return new KeywardenError(ErrorCode.TOKEN_FAILED, `The token refused the request (${name}).`);
}
