import { describe, expect, it } from 'vitest';
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
});
