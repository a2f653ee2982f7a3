import type { ErrorCode, ErrorInfo } from '../../electron/shared/errors.ts';

// Errors in words a person can act on. The service's message already says what happened
// (and, for a PIN, how many tries are left); these lines add what to do about it.

const ADVICE: Readonly<Partial<Record<ErrorCode, string>>> = {
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
  KCV_MISMATCH:
    'The check values differ: a component or share was mistyped. Compare it with the paper record.',
  PRESENCE_NOT_PROVEN:
    'The person whose turn it is proves presence with their own passphrase or token PIN; try again.',
  PRESENCE_NOT_ENROLLED:
    'This person has no presence factor yet: an officer enrols one on the People screen.',
  CEREMONY_NOT_FOUND: 'This vault has no such ceremony; open it from the list of ceremonies.',
  CEREMONY_STATE_INVALID:
    'The ceremony has moved on or ended; reload it to see which step is due and whose turn it is.',
  CEREMONY_TEMPLATE_NOT_FOUND:
    'The ceremony script is not installed; reinstall Keywarden or choose another template.',
  CEREMONY_TEMPLATE_INVALID:
    'The ceremony script is damaged or was changed since the ceremony opened; reinstall Keywarden.',
  TRANSCRIPT_INVALID:
    'The file is not an intact transcript: it was changed, cut short, or is another file.',
  TRANSCRIPT_SIGNATURE_INVALID:
    'The signature does not match: the transcript changed after it was signed, or another key signed it.',
  POLICY_INVALID: 'Nothing was saved; correct the row the message names and save again.',
  POLICY_VIOLATION: 'The key would break the crypto-period policy; change what the message names.',
  SEPARATION_OF_DUTIES: 'Another person must do this: one person may not hold both roles.',
  PRINT_NOT_ALLOWED: 'Write the sheet or transcript again from this ceremony, then print it.',
  PRINT_FAILED: 'Open the PDF in a viewer yourself and print it from there.',
  PRINTER_UNAVAILABLE: 'Open the PDF in a viewer and print it from there.',
  IPC_BAD_REQUEST: 'The app sent something the vault does not accept; report this.',
};

/** A command-line hint: a `keywarden …` command or a --flag, which the app has no place for. */
const COMMAND_LINE = /(\bkeywarden [a-z]|(^|[\s(])--[a-z])/;

/**
 * The service's message without what it says for the command line: the vault's messages are
 * shared with the CLI, and a clause such as '"keywarden keys list" shows them' or 'run again
 * with --final-try' means nothing in the app, where the advice says what to do instead. The
 * message is kept whole when nothing would be left of it.
 */
export function withoutCommandLine(message: string): string {
  const unbracketed = message.replace(/\s*\([^()]*\)/g, (part) =>
    COMMAND_LINE.test(part) ? '' : part,
  );
  const sentences = unbracketed.split(/(?<=[.!?])\s+/);
  const kept = sentences
    .map((sentence) => {
      const clauses = sentence.split(/;\s*/);
      const plain = clauses.filter((clause) => !COMMAND_LINE.test(clause));
      if (plain.length === clauses.length) return sentence.trim();
      if (plain.length === 0) return '';
      const joined = plain
        .join('; ')
        .trim()
        .replace(/[,:;]$/, '');
      return /[.!?]$/.test(joined) ? joined : `${joined}.`;
    })
    .filter((sentence) => sentence !== '');
  return kept.length === 0 ? message : kept.join(' ');
}

/** A message that already asks for the token back: insert, reinsert, plug in or reconnect it. */
const ASKS_FOR_THE_TOKEN = /\b(?:re)?insert\b|\bplug (?:it|the \w+) in\b|\breconnect\b/i;

/** Advice left out when the message already says it. */
const ALREADY_SAID: Partial<Record<ErrorCode, RegExp>> = {
  TOKEN_NOT_PRESENT: ASKS_FOR_THE_TOKEN,
  TOKEN_REMOVED: ASKS_FOR_THE_TOKEN,
};

/**
 * The message (without command-line hints), and the advice for its code when there is one and
 * the message does not already give it.
 */
export function inWords(error: ErrorInfo): { message: string; advice: string | null } {
  const message = withoutCommandLine(error.message);
  const said = ALREADY_SAID[error.code]?.test(message) ?? false;
  return { message, advice: said ? null : (ADVICE[error.code] ?? null) };
}
