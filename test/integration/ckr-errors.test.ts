import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { ckrName, tokenError } from '../../native/pkcs11/ckr-errors.ts';

// The CK_RV values pkcs11js exports, by name, read from the package itself so the mapping is
// checked against the numbers a real Pkcs11Error carries.
const LIBRARY_VALUES = new Map(
  Object.entries(pkcs11js).filter(
    (entry): entry is [string, number] =>
      entry[0].startsWith('CKR_') && typeof entry[1] === 'number',
  ),
);

// PKCS#11 v2.40 / v3.0 values pkcs11js 2.1.7 does not export (pkcs11t.h v3.0).
const SPEC_ONLY_VALUES = new Map([
  ['CKR_ACTION_PROHIBITED', 0x1b],
  ['CKR_CURVE_NOT_SUPPORTED', 0x140],
  ['CKR_TOKEN_RESOURCE_EXCEEDED', 0x201],
  ['CKR_OPERATION_CANCEL_FAILED', 0x202],
]);

function rvOf(name: string): number {
  const rv = LIBRARY_VALUES.get(name) ?? SPEC_ONLY_VALUES.get(name);
  if (rv === undefined) throw new Error(`no CK_RV named ${name}`);
  return rv;
}

// Every return value and the code it must map to; the ones under TOKEN_FAILED after the
// first four have no meaning of their own and take the fallback.
const EXPECTED: Partial<Record<ErrorCode, string[]>> = {
  TOKEN_NOT_PRESENT: ['CKR_TOKEN_NOT_PRESENT', 'CKR_SLOT_ID_INVALID', 'CKR_TOKEN_NOT_RECOGNIZED'],
  TOKEN_REMOVED: ['CKR_DEVICE_REMOVED'],
  SESSION_LOST: [
    'CKR_SESSION_HANDLE_INVALID',
    'CKR_SESSION_CLOSED',
    'CKR_CRYPTOKI_NOT_INITIALIZED',
    'CKR_USER_NOT_LOGGED_IN',
  ],
  PIN_INCORRECT: ['CKR_PIN_INCORRECT'],
  PIN_LOCKED: ['CKR_PIN_LOCKED'],
  PIN_INVALID: ['CKR_PIN_INVALID', 'CKR_PIN_LEN_RANGE', 'CKR_PIN_TOO_WEAK'],
  PIN_EXPIRED: ['CKR_PIN_EXPIRED'],
  MECHANISM_UNSUPPORTED: [
    'CKR_MECHANISM_INVALID',
    'CKR_MECHANISM_PARAM_INVALID',
    'CKR_FUNCTION_NOT_SUPPORTED',
    'CKR_KEY_TYPE_INCONSISTENT',
    'CKR_WRAPPING_KEY_TYPE_INCONSISTENT',
    'CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT',
    'CKR_KEY_SIZE_RANGE',
    'CKR_WRAPPING_KEY_SIZE_RANGE',
    'CKR_UNWRAPPING_KEY_SIZE_RANGE',
    'CKR_CURVE_NOT_SUPPORTED',
    'CKR_DOMAIN_PARAMS_INVALID',
    'CKR_RANDOM_NO_RNG',
    'CKR_RANDOM_SEED_NOT_SUPPORTED',
  ],
  KEY_NOT_FOUND: [
    'CKR_OBJECT_HANDLE_INVALID',
    'CKR_KEY_HANDLE_INVALID',
    'CKR_WRAPPING_KEY_HANDLE_INVALID',
    'CKR_UNWRAPPING_KEY_HANDLE_INVALID',
  ],
  KEY_PURPOSE_MISMATCH: ['CKR_KEY_FUNCTION_NOT_PERMITTED'],
  KEY_NOT_HELD: ['CKR_ATTRIBUTE_SENSITIVE', 'CKR_KEY_UNEXTRACTABLE', 'CKR_KEY_NOT_WRAPPABLE'],
  BAD_REQUEST: [
    'CKR_TEMPLATE_INCOMPLETE',
    'CKR_TEMPLATE_INCONSISTENT',
    'CKR_ATTRIBUTE_VALUE_INVALID',
    'CKR_ATTRIBUTE_TYPE_INVALID',
    'CKR_ATTRIBUTE_READ_ONLY',
    'CKR_ACTION_PROHIBITED',
    'CKR_DATA_INVALID',
    'CKR_DATA_LEN_RANGE',
    'CKR_PUBLIC_KEY_INVALID',
  ],
  SIGNATURE_INVALID: ['CKR_SIGNATURE_INVALID', 'CKR_SIGNATURE_LEN_RANGE'],
  DECRYPTION_FAILED: [
    'CKR_ENCRYPTED_DATA_INVALID',
    'CKR_ENCRYPTED_DATA_LEN_RANGE',
    'CKR_WRAPPED_KEY_INVALID',
    'CKR_WRAPPED_KEY_LEN_RANGE',
  ],
  TOKEN_WRITE_PROTECTED: ['CKR_TOKEN_WRITE_PROTECTED'],
  TOKEN_FULL: ['CKR_DEVICE_MEMORY', 'CKR_TOKEN_RESOURCE_EXCEEDED'],
  MODULE_LOAD_FAILED: ['CKR_LIBRARY_LOAD_FAILED', 'CKR_CANT_LOCK', 'CKR_NEED_TO_CREATE_THREADS'],
  INTERNAL: [
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
  TOKEN_FAILED: [
    'CKR_DEVICE_ERROR',
    'CKR_GENERAL_ERROR',
    'CKR_HOST_MEMORY',
    'CKR_FUNCTION_FAILED',
    'CKR_USER_PIN_NOT_INITIALIZED',
    'CKR_USER_ANOTHER_ALREADY_LOGGED_IN',
    'CKR_USER_TOO_MANY_TYPES',
    'CKR_SESSION_EXISTS',
    'CKR_SESSION_READ_ONLY_EXISTS',
    'CKR_SESSION_READ_WRITE_SO_EXISTS',
    'CKR_SESSION_COUNT',
    'CKR_FUNCTION_CANCELED',
    'CKR_CANCEL',
    'CKR_FUNCTION_REJECTED',
    'CKR_FIPS_SELF_TEST_FAILED',
    // The fallback.
    'CKR_OK',
    'CKR_NO_EVENT',
    'CKR_FUNCTION_NOT_PARALLEL',
    'CKR_KEY_NOT_NEEDED',
    'CKR_KEY_CHANGED',
    'CKR_KEY_NEEDED',
    'CKR_KEY_INDIGESTIBLE',
    'CKR_SAVED_STATE_INVALID',
    'CKR_INFORMATION_SENSITIVE',
    'CKR_STATE_UNSAVEABLE',
    'CKR_NEW_PIN_MODE',
    'CKR_NEXT_OTP',
    'CKR_EXCEEDED_MAX_ITERATIONS',
    'CKR_OPERATION_CANCEL_FAILED',
  ],
};

const CASES = Object.entries(EXPECTED).flatMap(([code, names]) =>
  names.map((name) => ({ name, code })),
);

const CONTEXT = { operation: 'C_Sign', token: 'Keywarden CA (serial 0123456789)' } as const;

/** A Pkcs11Error as pkcs11js builds it, with text that names no CKR_ value. */
function pkcs11Error(rv: number, message = 'the module said no'): Error {
  return new pkcs11js.Pkcs11Error(message, rv, 'C_Sign');
}

describe('ckrName', () => {
  it('names every CK_RV pkcs11js exports, and the v3.0 ones it does not', () => {
    expect(LIBRARY_VALUES.size).toBeGreaterThan(90);
    for (const [name, rv] of [...LIBRARY_VALUES, ...SPEC_ONLY_VALUES]) {
      expect(ckrName(rv)).toBe(name);
    }
  });

  it('gives vendor-defined and unassigned values as hex', () => {
    expect(ckrName(0x80000000)).toBe('CKR_0x80000000');
    expect(ckrName(0x8000_1234)).toBe('CKR_0x80001234');
    expect(ckrName(0x203)).toBe('CKR_0x00000203');
    expect(ckrName(-1)).toBe('CKR_?');
    expect(ckrName(Number.NaN)).toBe('CKR_?');
  });
});

describe('tokenError', () => {
  it('has an expected code for every CK_RV pkcs11js exports, each listed once', () => {
    const listed = CASES.map((c) => c.name);
    expect(new Set(listed).size).toBe(listed.length);
    for (const name of LIBRARY_VALUES.keys()) expect(listed).toContain(name);
  });

  it.each(CASES)('maps $name to $code', ({ name, code }) => {
    const mapped = tokenError(pkcs11Error(rvOf(name)), CONTEXT);
    expect(mapped).toBeInstanceOf(KeywardenError);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toContain(`(${name} during C_Sign on token "${CONTEXT.token}")`);
  });

  it('maps by the code, never by the text', () => {
    const mapped = tokenError(pkcs11Error(rvOf('CKR_PIN_INCORRECT'), 'CKR_DEVICE_ERROR'), CONTEXT);
    expect(mapped.code).toBe(ErrorCode.PIN_INCORRECT);
    expect(mapped.message).not.toContain('CKR_DEVICE_ERROR');
  });

  it('copies none of the error text into the message', () => {
    const error = pkcs11Error(rvOf('CKR_PIN_INCORRECT'), 'login with PIN 271828 refused');
    const mapped = tokenError(error, { operation: 'C_Login' });
    expect(mapped.message).toBe('The PIN is incorrect (CKR_PIN_INCORRECT during C_Login).');
    expect(mapped.cause).toBe(error);
  });

  it.each([
    [undefined, 'The PIN is incorrect (CKR_PIN_INCORRECT during C_Login on token "CA-1").'],
    [null, 'The PIN is incorrect (CKR_PIN_INCORRECT during C_Login on token "CA-1").'],
    [
      'low',
      'The PIN is incorrect; few tries remain (CKR_PIN_INCORRECT during C_Login on token "CA-1").',
    ],
    [
      'final',
      'The PIN is incorrect; one try remains before the PIN locks (CKR_PIN_INCORRECT during C_Login on token "CA-1").',
    ],
  ] as const)('words tries left %s', (triesLeft, message) => {
    const mapped = tokenError(pkcs11Error(rvOf('CKR_PIN_INCORRECT')), {
      operation: 'C_Login',
      token: 'CA-1',
      triesLeft,
    });
    expect(mapped.message).toBe(message);
  });

  it('speaks of tries left only for an incorrect PIN', () => {
    const mapped = tokenError(pkcs11Error(rvOf('CKR_PIN_LOCKED')), {
      operation: 'C_Login',
      triesLeft: 'final',
    });
    expect(mapped.code).toBe(ErrorCode.PIN_LOCKED);
    expect(mapped.message).not.toContain('tries');
    expect(mapped.message).not.toContain('try remains');
    expect(mapped.message).toContain('keywarden tokens unblock-pin');
    expect(mapped.message).toContain('SO PIN');
  });

  it('says the key cannot leave the token', () => {
    const mapped = tokenError(pkcs11Error(rvOf('CKR_KEY_UNEXTRACTABLE')), CONTEXT);
    expect(mapped.message).toMatch(/^The key cannot leave the token \(/);
  });

  it('maps a vendor-defined value to TOKEN_FAILED by its hex', () => {
    const mapped = tokenError(pkcs11Error(0x80000123), { operation: 'C_GenerateKeyPair' });
    expect(mapped.code).toBe(ErrorCode.TOKEN_FAILED);
    expect(mapped.message).toContain('(CKR_0x80000123 during C_GenerateKeyPair)');
  });

  it('returns a KeywardenError unchanged', () => {
    const error = new KeywardenError(ErrorCode.VAULT_LOCKED, 'The vault is locked.');
    expect(tokenError(error, CONTEXT)).toBe(error);
  });

  it.each([
    ['a TypeError', new TypeError('PIN 271828 has wrong type')],
    // NativeError parses a numeric code out of any "word:digits" in its text.
    ['a NativeError', new pkcs11js.NativeError('PIN 271828 at slot:160')],
    ['an object with a numeric code', { code: 0xa0, message: 'PIN 271828' }],
    ['a string', 'PIN 271828'],
  ])('makes %s INTERNAL without its text', (_kind, error) => {
    const mapped = tokenError(error, CONTEXT);
    expect(mapped.code).toBe(ErrorCode.INTERNAL);
    expect(mapped.message).toBe(
      'An internal error occurred during C_Sign; run with --debug for details.',
    );
    expect(mapped.message).not.toContain('271828');
    expect(mapped.cause).toBe(error);
  });

  it('sees the numeric code on a NativeError, so the class is what tells them apart', () => {
    const error: unknown = new pkcs11js.NativeError('slot:160');
    expect(error).toMatchObject({ code: 160 });
    expect(tokenError(error, CONTEXT).code).toBe(ErrorCode.INTERNAL);
  });
});

/** What `call` throws; fails the test when it returns. */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('tokenError on errors SoftHSM2 raises through pkcs11js', () => {
  const SOFTHSM2 = '/usr/lib/softhsm/libsofthsm2.so';
  const SO_PIN = 'so-pin-31415';
  const USER_PIN = 'user-pin-27182';
  const WRONG_PIN = 'wrong-pin-16180';
  const previousConf = process.env.SOFTHSM2_CONF;
  const module = new pkcs11js.PKCS11();
  let dir = '';
  let slot: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-ckr-'));
    const conf = join(dir, 'softhsm2.conf');
    writeFileSync(conf, `directories.tokendir = ${dir}\nobjectstore.backend = file\n`);
    process.env.SOFTHSM2_CONF = conf;
    module.load(SOFTHSM2);
    module.C_Initialize();
    const [empty] = module.C_GetSlotList(false);
    if (!empty) throw new Error('SoftHSM2 offers no slot');
    module.C_InitToken(empty, SO_PIN, 'ckr-errors');
    const [initialised] = module.C_GetSlotList(true);
    if (!initialised) throw new Error('the token SoftHSM2 initialised is gone');
    slot = initialised;
    const session = module.C_OpenSession(
      slot,
      pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
    );
    module.C_Login(session, pkcs11js.CKU_SO, SO_PIN);
    module.C_InitPIN(session, USER_PIN);
    module.C_CloseSession(session);
  });

  afterAll(() => {
    module.C_Finalize();
    if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previousConf;
    rmSync(dir, { recursive: true, force: true });
  });

  it('recognises CKR_SLOT_ID_INVALID from C_GetTokenInfo on a slot that does not exist', () => {
    const error = thrownBy(() => module.C_GetTokenInfo(Buffer.from('ffffffff00000000', 'hex')));
    expect(error).toBeInstanceOf(pkcs11js.Pkcs11Error);
    const mapped = tokenError(error, { operation: 'C_GetTokenInfo' });
    expect(mapped.code).toBe(ErrorCode.TOKEN_NOT_PRESENT);
    expect(mapped.message).toContain('(CKR_SLOT_ID_INVALID during C_GetTokenInfo)');
  });

  it('recognises CKR_PIN_INCORRECT from C_Login, and the message holds no PIN', () => {
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const error = thrownBy(() => module.C_Login(session, pkcs11js.CKU_USER, WRONG_PIN));
      const mapped = tokenError(error, { operation: 'C_Login', token: 'ckr-errors' });
      expect(mapped.code).toBe(ErrorCode.PIN_INCORRECT);
      for (const pin of [WRONG_PIN, USER_PIN, SO_PIN]) expect(mapped.message).not.toContain(pin);
    } finally {
      module.C_CloseSession(session);
    }
  });

  it('recognises CKR_SESSION_HANDLE_INVALID from a closed session', () => {
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    module.C_CloseSession(session);
    const mapped = tokenError(
      thrownBy(() => module.C_GetSessionInfo(session)),
      { operation: 'C_GetSessionInfo' },
    );
    expect(mapped.code).toBe(ErrorCode.SESSION_LOST);
    expect(mapped.message).toContain('CKR_SESSION_HANDLE_INVALID');
  });

  it("makes pkcs11js's TypeError for a bad argument INTERNAL", () => {
    const error = thrownBy(() => module.C_GetTokenInfo('slot 0' as unknown as Buffer));
    expect(error).toBeInstanceOf(TypeError);
    expect(tokenError(error, { operation: 'C_GetTokenInfo' }).code).toBe(ErrorCode.INTERNAL);
  });
});
