import pkcs11js from 'pkcs11js';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';

// PKCS#11 failures in Keywarden's words. pkcs11js throws a Pkcs11Error whose numeric `code`
// is the CK_RV; the mapping below reads that code and nothing else. The error's text is never
// matched and never copied into a message: the code is the contract, the text is not.

/** The CK_RV values of PKCS#11 v3.0 (pkcs11t.h), by name. */
const RETURN_VALUES = {
  CKR_OK: 0x0,
  CKR_CANCEL: 0x1,
  CKR_HOST_MEMORY: 0x2,
  CKR_SLOT_ID_INVALID: 0x3,
  CKR_GENERAL_ERROR: 0x5,
  CKR_FUNCTION_FAILED: 0x6,
  CKR_ARGUMENTS_BAD: 0x7,
  CKR_NO_EVENT: 0x8,
  CKR_NEED_TO_CREATE_THREADS: 0x9,
  CKR_CANT_LOCK: 0xa,
  CKR_ATTRIBUTE_READ_ONLY: 0x10,
  CKR_ATTRIBUTE_SENSITIVE: 0x11,
  CKR_ATTRIBUTE_TYPE_INVALID: 0x12,
  CKR_ATTRIBUTE_VALUE_INVALID: 0x13,
  CKR_ACTION_PROHIBITED: 0x1b,
  CKR_DATA_INVALID: 0x20,
  CKR_DATA_LEN_RANGE: 0x21,
  CKR_DEVICE_ERROR: 0x30,
  CKR_DEVICE_MEMORY: 0x31,
  CKR_DEVICE_REMOVED: 0x32,
  CKR_ENCRYPTED_DATA_INVALID: 0x40,
  CKR_ENCRYPTED_DATA_LEN_RANGE: 0x41,
  CKR_FUNCTION_CANCELED: 0x50,
  CKR_FUNCTION_NOT_PARALLEL: 0x51,
  CKR_FUNCTION_NOT_SUPPORTED: 0x54,
  CKR_KEY_HANDLE_INVALID: 0x60,
  CKR_KEY_SIZE_RANGE: 0x62,
  CKR_KEY_TYPE_INCONSISTENT: 0x63,
  CKR_KEY_NOT_NEEDED: 0x64,
  CKR_KEY_CHANGED: 0x65,
  CKR_KEY_NEEDED: 0x66,
  CKR_KEY_INDIGESTIBLE: 0x67,
  CKR_KEY_FUNCTION_NOT_PERMITTED: 0x68,
  CKR_KEY_NOT_WRAPPABLE: 0x69,
  CKR_KEY_UNEXTRACTABLE: 0x6a,
  CKR_MECHANISM_INVALID: 0x70,
  CKR_MECHANISM_PARAM_INVALID: 0x71,
  CKR_OBJECT_HANDLE_INVALID: 0x82,
  CKR_OPERATION_ACTIVE: 0x90,
  CKR_OPERATION_NOT_INITIALIZED: 0x91,
  CKR_PIN_INCORRECT: 0xa0,
  CKR_PIN_INVALID: 0xa1,
  CKR_PIN_LEN_RANGE: 0xa2,
  CKR_PIN_EXPIRED: 0xa3,
  CKR_PIN_LOCKED: 0xa4,
  CKR_SESSION_CLOSED: 0xb0,
  CKR_SESSION_COUNT: 0xb1,
  CKR_SESSION_HANDLE_INVALID: 0xb3,
  CKR_SESSION_PARALLEL_NOT_SUPPORTED: 0xb4,
  CKR_SESSION_READ_ONLY: 0xb5,
  CKR_SESSION_EXISTS: 0xb6,
  CKR_SESSION_READ_ONLY_EXISTS: 0xb7,
  CKR_SESSION_READ_WRITE_SO_EXISTS: 0xb8,
  CKR_SIGNATURE_INVALID: 0xc0,
  CKR_SIGNATURE_LEN_RANGE: 0xc1,
  CKR_TEMPLATE_INCOMPLETE: 0xd0,
  CKR_TEMPLATE_INCONSISTENT: 0xd1,
  CKR_TOKEN_NOT_PRESENT: 0xe0,
  CKR_TOKEN_NOT_RECOGNIZED: 0xe1,
  CKR_TOKEN_WRITE_PROTECTED: 0xe2,
  CKR_UNWRAPPING_KEY_HANDLE_INVALID: 0xf0,
  CKR_UNWRAPPING_KEY_SIZE_RANGE: 0xf1,
  CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT: 0xf2,
  CKR_USER_ALREADY_LOGGED_IN: 0x100,
  CKR_USER_NOT_LOGGED_IN: 0x101,
  CKR_USER_PIN_NOT_INITIALIZED: 0x102,
  CKR_USER_TYPE_INVALID: 0x103,
  CKR_USER_ANOTHER_ALREADY_LOGGED_IN: 0x104,
  CKR_USER_TOO_MANY_TYPES: 0x105,
  CKR_WRAPPED_KEY_INVALID: 0x110,
  CKR_WRAPPED_KEY_LEN_RANGE: 0x112,
  CKR_WRAPPING_KEY_HANDLE_INVALID: 0x113,
  CKR_WRAPPING_KEY_SIZE_RANGE: 0x114,
  CKR_WRAPPING_KEY_TYPE_INCONSISTENT: 0x115,
  CKR_RANDOM_SEED_NOT_SUPPORTED: 0x120,
  CKR_RANDOM_NO_RNG: 0x121,
  CKR_DOMAIN_PARAMS_INVALID: 0x130,
  CKR_CURVE_NOT_SUPPORTED: 0x140,
  CKR_BUFFER_TOO_SMALL: 0x150,
  CKR_SAVED_STATE_INVALID: 0x160,
  CKR_INFORMATION_SENSITIVE: 0x170,
  CKR_STATE_UNSAVEABLE: 0x180,
  CKR_CRYPTOKI_NOT_INITIALIZED: 0x190,
  CKR_CRYPTOKI_ALREADY_INITIALIZED: 0x191,
  CKR_MUTEX_BAD: 0x1a0,
  CKR_MUTEX_NOT_LOCKED: 0x1a1,
  CKR_NEW_PIN_MODE: 0x1b0,
  CKR_NEXT_OTP: 0x1b1,
  CKR_EXCEEDED_MAX_ITERATIONS: 0x1b5,
  CKR_FIPS_SELF_TEST_FAILED: 0x1b6,
  CKR_LIBRARY_LOAD_FAILED: 0x1b7,
  CKR_PIN_TOO_WEAK: 0x1b8,
  CKR_PUBLIC_KEY_INVALID: 0x1b9,
  CKR_FUNCTION_REJECTED: 0x200,
  CKR_TOKEN_RESOURCE_EXCEEDED: 0x201,
  CKR_OPERATION_CANCEL_FAILED: 0x202,
} as const;

type CkrName = keyof typeof RETURN_VALUES;

const NAME_BY_VALUE: ReadonlyMap<number, string> = new Map(
  Object.entries(RETURN_VALUES).map(([name, rv]) => [rv, name]),
);

/** What a return value means to a person: the error code, what happened, what to do. */
interface Meaning {
  code: ErrorCode;
  happened: string;
  advice?: string;
}

const TRY_ANOTHER = 'Choose another algorithm, or a token that supports it.';
const IN_USE = {
  code: ErrorCode.TOKEN_FAILED,
  happened: 'The token is in use by another login or session',
  advice: 'Close other programs using the token, or log the security officer out, and try again.',
};
const REFUSED_ATTRIBUTES = {
  code: ErrorCode.BAD_REQUEST,
  happened: 'The token refused the attributes of the object',
  advice:
    'It may not support this key type or size, or its policy may forbid what was asked for (such as an extractable key); nothing was changed.',
};
const OUR_MISTAKE = {
  code: ErrorCode.INTERNAL,
  happened: 'Keywarden made a PKCS#11 call out of order or with bad arguments',
  advice: 'This is a bug; run with --debug for details.',
};
const UNKNOWN: Meaning = {
  code: ErrorCode.TOKEN_FAILED,
  happened: 'The token or its PKCS#11 module reported an error',
  advice: 'Try again; if it persists, check the token and its module.',
};

/** Return values that share a meaning, grouped. Anything absent here means UNKNOWN. */
const MEANINGS: ReadonlyArray<readonly [readonly CkrName[], Meaning]> = [
  // Where the token is.
  [
    ['CKR_TOKEN_NOT_PRESENT'],
    {
      code: ErrorCode.TOKEN_NOT_PRESENT,
      happened: 'No token is in the reader',
      advice: 'Insert the token and try again.',
    },
  ],
  [
    ['CKR_SLOT_ID_INVALID'],
    {
      code: ErrorCode.TOKEN_NOT_PRESENT,
      happened: "The token's slot no longer exists",
      advice: 'Reconnect the token or its reader, then list the tokens again.',
    },
  ],
  [
    ['CKR_TOKEN_NOT_RECOGNIZED'],
    {
      code: ErrorCode.TOKEN_NOT_PRESENT,
      happened: 'The PKCS#11 module does not recognise the token in the slot',
      advice: 'Check that this is the module for this token, or insert a token it supports.',
    },
  ],
  [
    ['CKR_DEVICE_REMOVED'],
    {
      code: ErrorCode.TOKEN_REMOVED,
      happened: 'The token was removed during the operation',
      advice: 'Reinsert it and try again.',
    },
  ],
  // The session and the login.
  [
    ['CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_CRYPTOKI_NOT_INITIALIZED'],
    {
      code: ErrorCode.SESSION_LOST,
      happened: 'The session with the token was lost (the token or its module may have been reset)',
      advice: 'Try again; the token must be logged in again.',
    },
  ],
  [
    ['CKR_USER_NOT_LOGGED_IN'],
    {
      code: ErrorCode.SESSION_LOST,
      happened: 'The token is no longer logged in (another session may have logged it out)',
      advice: 'Log in to the token again.',
    },
  ],
  [
    [
      'CKR_USER_ANOTHER_ALREADY_LOGGED_IN',
      'CKR_USER_TOO_MANY_TYPES',
      'CKR_SESSION_EXISTS',
      'CKR_SESSION_READ_ONLY_EXISTS',
      'CKR_SESSION_READ_WRITE_SO_EXISTS',
    ],
    IN_USE,
  ],
  [
    ['CKR_SESSION_COUNT'],
    { ...IN_USE, happened: 'The token has as many sessions open as it allows' },
  ],
  // The PIN. CKR_PIN_INCORRECT's wording depends on the tries left; see pinIncorrect.
  [['CKR_PIN_INCORRECT'], { code: ErrorCode.PIN_INCORRECT, happened: 'The PIN is incorrect' }],
  [
    ['CKR_PIN_LOCKED'],
    {
      code: ErrorCode.PIN_LOCKED,
      happened: 'The user PIN is locked',
      advice:
        'The security officer unblocks it with `keywarden tokens unblock-pin`, which initialises a new user PIN with the SO PIN.',
    },
  ],
  [
    ['CKR_PIN_INVALID'],
    {
      code: ErrorCode.PIN_INVALID,
      happened: 'The PIN contains characters the token does not accept',
      advice: 'Use only the characters the token allows.',
    },
  ],
  [
    ['CKR_PIN_LEN_RANGE'],
    {
      code: ErrorCode.PIN_INVALID,
      happened: 'The PIN is too short or too long for the token',
      advice: "Use a PIN within the token's length limits, shown with the token's details.",
    },
  ],
  [
    ['CKR_PIN_TOO_WEAK'],
    {
      code: ErrorCode.PIN_INVALID,
      happened: 'The token refused the new PIN as too weak',
      advice: 'Choose a longer, less predictable PIN.',
    },
  ],
  [
    ['CKR_PIN_EXPIRED'],
    {
      code: ErrorCode.PIN_EXPIRED,
      happened: 'The PIN has expired',
      advice: 'Change the PIN before using the token.',
    },
  ],
  [
    ['CKR_USER_PIN_NOT_INITIALIZED'],
    {
      code: ErrorCode.TOKEN_FAILED,
      happened: "The token's user PIN has not been set",
      advice:
        'The security officer sets it by initialising the user PIN with the SO PIN (`keywarden tokens unblock-pin`).',
    },
  ],
  // What the token can do.
  [
    ['CKR_MECHANISM_INVALID', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_FUNCTION_NOT_SUPPORTED'],
    {
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      happened: 'The token does not support this mechanism or its parameters',
      advice: TRY_ANOTHER,
    },
  ],
  [
    [
      'CKR_KEY_TYPE_INCONSISTENT',
      'CKR_WRAPPING_KEY_TYPE_INCONSISTENT',
      'CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT',
    ],
    {
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      happened: "The key's type does not fit the mechanism",
      advice: "Check the key's algorithm against the operation.",
    },
  ],
  [
    [
      'CKR_KEY_SIZE_RANGE',
      'CKR_WRAPPING_KEY_SIZE_RANGE',
      'CKR_UNWRAPPING_KEY_SIZE_RANGE',
      'CKR_CURVE_NOT_SUPPORTED',
      'CKR_DOMAIN_PARAMS_INVALID',
    ],
    {
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      happened: 'The token does not support this key size, curve or domain parameters',
      advice: TRY_ANOTHER,
    },
  ],
  [
    ['CKR_RANDOM_NO_RNG', 'CKR_RANDOM_SEED_NOT_SUPPORTED'],
    {
      code: ErrorCode.MECHANISM_UNSUPPORTED,
      happened: 'The token has no random number generator that takes this request',
    },
  ],
  // The keys on it.
  [
    [
      'CKR_OBJECT_HANDLE_INVALID',
      'CKR_KEY_HANDLE_INVALID',
      'CKR_WRAPPING_KEY_HANDLE_INVALID',
      'CKR_UNWRAPPING_KEY_HANDLE_INVALID',
    ],
    {
      code: ErrorCode.KEY_NOT_FOUND,
      happened: 'The key is no longer on the token, or was looked up in an earlier session',
      advice: "List the token's keys again.",
    },
  ],
  [
    ['CKR_KEY_FUNCTION_NOT_PERMITTED'],
    {
      code: ErrorCode.KEY_PURPOSE_MISMATCH,
      happened: "The key's attributes on the token do not permit this use",
      advice: 'Use a key made for this purpose.',
    },
  ],
  [
    ['CKR_ATTRIBUTE_SENSITIVE', 'CKR_KEY_UNEXTRACTABLE', 'CKR_KEY_NOT_WRAPPABLE'],
    {
      code: ErrorCode.KEY_NOT_HELD,
      happened: 'The key cannot leave the token',
      advice: 'Use it through the token.',
    },
  ],
  // The request and its data.
  [
    [
      'CKR_TEMPLATE_INCOMPLETE',
      'CKR_TEMPLATE_INCONSISTENT',
      'CKR_ATTRIBUTE_VALUE_INVALID',
      'CKR_ATTRIBUTE_TYPE_INVALID',
    ],
    REFUSED_ATTRIBUTES,
  ],
  [
    ['CKR_ATTRIBUTE_READ_ONLY'],
    { ...REFUSED_ATTRIBUTES, happened: 'The token does not let that attribute be set or changed' },
  ],
  [
    ['CKR_ACTION_PROHIBITED'],
    {
      code: ErrorCode.BAD_REQUEST,
      happened: "The token's policy forbids this action",
      advice: 'Nothing was changed.',
    },
  ],
  [
    ['CKR_DATA_INVALID', 'CKR_DATA_LEN_RANGE'],
    {
      code: ErrorCode.BAD_REQUEST,
      happened:
        'The token refused the input: its length or form does not fit the key and mechanism',
    },
  ],
  [
    ['CKR_PUBLIC_KEY_INVALID'],
    { code: ErrorCode.BAD_REQUEST, happened: 'The token refused the public key as invalid' },
  ],
  [
    ['CKR_SIGNATURE_INVALID', 'CKR_SIGNATURE_LEN_RANGE'],
    { code: ErrorCode.SIGNATURE_INVALID, happened: 'The signature does not verify' },
  ],
  [
    [
      'CKR_ENCRYPTED_DATA_INVALID',
      'CKR_ENCRYPTED_DATA_LEN_RANGE',
      'CKR_WRAPPED_KEY_INVALID',
      'CKR_WRAPPED_KEY_LEN_RANGE',
    ],
    {
      code: ErrorCode.DECRYPTION_FAILED,
      happened: 'The ciphertext does not decrypt under this key',
      advice: 'It is corrupt, was altered, or was made for another key.',
    },
  ],
  // The token's state.
  [
    ['CKR_TOKEN_WRITE_PROTECTED'],
    {
      code: ErrorCode.TOKEN_WRITE_PROTECTED,
      happened: 'The token is write-protected',
      advice: 'Nothing was written; lift the write protection or use another token.',
    },
  ],
  [
    ['CKR_DEVICE_MEMORY', 'CKR_TOKEN_RESOURCE_EXCEEDED'],
    {
      code: ErrorCode.TOKEN_FULL,
      happened: 'The token has no room left',
      advice: 'Delete objects it no longer needs, or use another token.',
    },
  ],
  [
    ['CKR_DEVICE_ERROR', 'CKR_FUNCTION_FAILED'],
    {
      code: ErrorCode.TOKEN_FAILED,
      happened: 'The token could not carry out the operation',
      advice: 'Reinsert the token and try again; if it persists, the token may be faulty.',
    },
  ],
  [
    ['CKR_GENERAL_ERROR'],
    {
      code: ErrorCode.TOKEN_FAILED,
      happened: 'The token or its PKCS#11 module failed',
      advice: 'Reinsert the token and try again; Keywarden reconnects to it on the next call.',
    },
  ],
  [
    ['CKR_HOST_MEMORY'],
    {
      code: ErrorCode.TOKEN_FAILED,
      happened: 'The PKCS#11 module ran out of memory on this computer',
      advice: 'Close other programs and try again.',
    },
  ],
  [
    ['CKR_FUNCTION_CANCELED', 'CKR_CANCEL', 'CKR_FUNCTION_REJECTED'],
    {
      code: ErrorCode.TOKEN_FAILED,
      happened: 'The operation was cancelled or declined at the token or its reader',
      advice: 'Try again, and confirm it on the device if it asks.',
    },
  ],
  [
    ['CKR_FIPS_SELF_TEST_FAILED'],
    {
      code: ErrorCode.TOKEN_FAILED,
      happened: 'The token failed its FIPS self-test',
      advice: 'Do not use it until it passes.',
    },
  ],
  // The module.
  [
    ['CKR_LIBRARY_LOAD_FAILED'],
    {
      code: ErrorCode.MODULE_LOAD_FAILED,
      happened: 'The PKCS#11 module could not load a library it depends on',
      advice: "Reinstall the token's middleware.",
    },
  ],
  [
    ['CKR_CANT_LOCK', 'CKR_NEED_TO_CREATE_THREADS'],
    {
      code: ErrorCode.MODULE_LOAD_FAILED,
      happened: 'The PKCS#11 module cannot run with the locking Keywarden asks for',
      advice: 'Use another version of the module.',
    },
  ],
  // Calls the module refuses as malformed or out of order: ours to fix, not the user's.
  [
    [
      'CKR_ARGUMENTS_BAD',
      'CKR_BUFFER_TOO_SMALL',
      'CKR_OPERATION_ACTIVE',
      'CKR_OPERATION_NOT_INITIALIZED',
      'CKR_CRYPTOKI_ALREADY_INITIALIZED',
      'CKR_USER_ALREADY_LOGGED_IN',
      'CKR_USER_TYPE_INVALID',
      'CKR_SESSION_READ_ONLY',
      'CKR_SESSION_PARALLEL_NOT_SUPPORTED',
      'CKR_MUTEX_BAD',
      'CKR_MUTEX_NOT_LOCKED',
    ],
    OUR_MISTAKE,
  ],
];

const MEANING_BY_VALUE: ReadonlyMap<number, Meaning> = new Map(
  MEANINGS.flatMap(([names, meaning]) => names.map((name) => [RETURN_VALUES[name], meaning])),
);

/**
 * The CKR_ name of a PKCS#11 return value, such as 'CKR_PIN_INCORRECT'. A value PKCS#11 v3.0
 * does not name (vendor-defined, from CKR_VENDOR_DEFINED 0x80000000 up, or newer than 3.0)
 * comes back as its hex, 'CKR_0x80000001'. Throws nothing.
 */
export function ckrName(rv: number): string {
  const name = NAME_BY_VALUE.get(rv);
  if (name) return name;
  if (!Number.isSafeInteger(rv) || rv < 0) return 'CKR_?';
  return `CKR_0x${rv.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Where a PKCS#11 call failed, for the message. Nothing in it may be secret. */
export interface TokenErrorContext {
  /** What was being done, e.g. 'C_Login' or 'signing with key 0a1b'. */
  operation: string;
  /** The token's label or serial, as the person knows it. */
  token?: string;
  /**
   * Wrong PINs left, as the token tells them after CKR_PIN_INCORRECT: 'low' when it sets
   * CKF_USER_PIN_COUNT_LOW, 'final' when it sets CKF_USER_PIN_FINAL_TRY. The caller reads the
   * flags (C_GetTokenInfo); this module cannot.
   */
  triesLeft?: 'low' | 'final' | null;
}

const TRIES_LEFT = {
  low: '; few tries remain',
  final: '; one try remains before the PIN locks',
} as const;

/**
 * Turns whatever a pkcs11js call threw into a KeywardenError, by the CK_RV alone. A
 * KeywardenError is returned unchanged. A pkcs11js Pkcs11Error maps by its `code` to
 * TOKEN_NOT_PRESENT, TOKEN_REMOVED, SESSION_LOST, PIN_INCORRECT, PIN_LOCKED, PIN_INVALID,
 * PIN_EXPIRED, MECHANISM_UNSUPPORTED, MODULE_LOAD_FAILED, TOKEN_WRITE_PROTECTED, TOKEN_FULL,
 * KEY_NOT_FOUND, KEY_PURPOSE_MISMATCH, KEY_NOT_HELD, BAD_REQUEST, SIGNATURE_INVALID,
 * DECRYPTION_FAILED, INTERNAL (calls the module refuses as malformed) or, for anything else,
 * TOKEN_FAILED; the message names the CKR_ value, the operation and the token. Anything
 * else thrown (a TypeError for a bad argument, pkcs11js's NativeError, which also carries a
 * numeric `code` parsed from its text) becomes INTERNAL with a generic message, since its text
 * is not vetted to be free of secrets. The original error is kept as the cause for --debug.
 */
export function tokenError(error: unknown, context: TokenErrorContext): KeywardenError {
  if (error instanceof KeywardenError) return error;
  if (!(error instanceof pkcs11js.Pkcs11Error) || !Number.isSafeInteger(error.code)) {
    return new KeywardenError(
      ErrorCode.INTERNAL,
      `An internal error occurred during ${context.operation}; run with --debug for details.`,
      { cause: error },
    );
  }
  const rv = error.code;
  const meaning = MEANING_BY_VALUE.get(rv) ?? UNKNOWN;
  const happened =
    rv === RETURN_VALUES.CKR_PIN_INCORRECT && context.triesLeft
      ? meaning.happened + TRIES_LEFT[context.triesLeft]
      : meaning.happened;
  const where = context.token === undefined ? '' : ` on token "${context.token}"`;
  const advice = meaning.advice === undefined ? '' : ` ${meaning.advice}`;
  return new KeywardenError(
    meaning.code,
    `${happened} (${ckrName(rv)} during ${context.operation}${where}).${advice}`,
    { cause: error },
  );
}
