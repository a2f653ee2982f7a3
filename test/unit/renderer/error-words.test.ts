import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import type { KeywardenError } from '../../../electron/shared/errors.ts';
import { notPresent } from '../../../native/hid/hid-access.ts';
import { reportTransportOver } from '../../../native/hid/node-hid-transport.ts';
import { tokenError } from '../../../native/pkcs11/ckr-errors.ts';
import { inWords, withoutCommandLine } from '../../../renderer/src/error-words.ts';

// The renderer's words for errors: the vault's messages, which the CLI shares, lose the
// clauses that only make sense at a terminal; what remains still says what happened.

describe('error messages in the app', () => {
  it.each([
    ['No key k-1 in this vault; "keywarden keys list" shows them.', 'No key k-1 in this vault.'],
    [
      'The user PIN of token "ops" has one try left: a wrong PIN now locks it. Nothing was tried; check the PIN and run again with --final-try to use that try.',
      'The user PIN of token "ops" has one try left: a wrong PIN now locks it. Nothing was tried.',
    ],
    [
      'The user PIN of token "ops" is locked. The security officer unblocks it with `keywarden tokens unblock-pin`, which sets a new user PIN with the SO PIN.',
      'The user PIN of token "ops" is locked.',
    ],
    [
      'Token 1A2B is not present; insert it ("keywarden tokens list" shows what is).',
      'Token 1A2B is not present; insert it.',
    ],
    [
      'Alice has no presence factor: run "keywarden people presence Alice" first.',
      'Alice has no presence factor: run "keywarden people presence Alice" first.',
    ],
    ['The passphrase is not correct.', 'The passphrase is not correct.'],
    ['Version 1.2 of the file (v2.0) is newer.', 'Version 1.2 of the file (v2.0) is newer.'],
  ])('%s', (message, shown) => {
    expect(withoutCommandLine(message)).toBe(shown);
  });

  it('gives the advice of the code beside the trimmed message', () => {
    expect(
      inWords({
        code: 'PIN_LOCKED',
        message:
          'The user PIN of token "ops" is locked. The security officer unblocks it with `keywarden tokens unblock-pin`.',
      }),
    ).toEqual({
      message: 'The user PIN of token "ops" is locked.',
      advice: 'The PIN is blocked: the security officer can unblock it with the SO PIN.',
    });
  });

  it('leaves out the advice a message already gives, and keeps it where the message does not', () => {
    const absent = 'No YubiKey is plugged in. Insert it and try again.';
    expect(inWords({ code: 'TOKEN_NOT_PRESENT', message: absent })).toEqual({
      message: absent,
      advice: null,
    });
    expect(
      inWords({ code: 'TOKEN_NOT_PRESENT', message: "The token's slot no longer exists." }),
    ).toEqual({
      message: "The token's slot no longer exists.",
      advice: 'Insert the token (or smartcard) and try again.',
    });
  });

  // The token layers' own messages for a token that is missing or gone: each already asks for
  // the token back, so the app adds no advice that says it again.
  const pkcs11 = (rv: number) =>
    tokenError(new pkcs11js.Pkcs11Error('the module said no', rv, 'C_Sign'), {
      operation: 'signing',
      token: 'ops',
    });
  const hidGone = async (): Promise<KeywardenError> => {
    const transport = reportTransportOver({
      write: () => Promise.reject(new Error('could not write to HID device')),
      read: () => Promise.resolve(undefined),
      sendFeatureReport: () => Promise.resolve(0),
      getFeatureReport: () => Promise.resolve(Buffer.alloc(0)),
      close: () => Promise.resolve(),
    });
    return transport.write(new Uint8Array(64)).then(
      () => {
        throw new Error('the write was expected to fail');
      },
      (error: KeywardenError) => error,
    );
  };
  it.each([
    ['PKCS#11 CKR_TOKEN_NOT_PRESENT', () => pkcs11(pkcs11js.CKR_TOKEN_NOT_PRESENT)],
    ['PKCS#11 CKR_DEVICE_REMOVED', () => pkcs11(pkcs11js.CKR_DEVICE_REMOVED)],
    ['PKCS#11 CKR_SLOT_ID_INVALID', () => pkcs11(pkcs11js.CKR_SLOT_ID_INVALID)],
    ['a YubiKey not plugged in', () => notPresent('YubiKey')],
    ['a HID token pulled out mid-call', hidGone],
  ])('gives no second advice for %s', async (_, make) => {
    const error = await make();
    expect(['TOKEN_NOT_PRESENT', 'TOKEN_REMOVED']).toContain(error.code);
    expect(inWords({ code: error.code, message: error.message }).advice).toBeNull();
  });
});
