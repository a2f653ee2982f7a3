import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { UnlockFactorRequest } from '../shared/contract.ts';
import { filesOption, listOption, UNLOCK_OPTIONS } from './arguments.ts';
import type { CommandSpec, ParsedOptions } from './arguments.ts';
import {
  normalizePassphrase,
  promptHidden,
  readSecretFile,
  readStdinLines,
} from './secret-input.ts';
import type { CliIo } from './main.ts';

// The unlock options, read into the factors a vault:unlock request offers. Several may be given
// at once, for a combined or quorum slot. Every secret comes from a file or a prompt without
// echo; the services zero the request's bytes when the call is done.

const warnTo = (io: CliIo) => (line: string) => io.err(`${line}\n`);

function usage(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.USAGE, `${message} Run "keywarden --help" for usage.`);
}

/** A PIN from `file`, or asked for on the terminal. */
async function pinFrom(file: string | undefined, what: string, io: CliIo): Promise<Buffer> {
  if (file !== undefined) return readSecretFile(file, what, warnTo(io));
  return promptHidden(`${what[0]?.toUpperCase()}${what.slice(1)}: `);
}

/** Zeroes every secret the factors read so far carry (a later one could not be read). */
function zeroFactors(factors: UnlockFactorRequest[]): void {
  for (const factor of factors) {
    for (const value of Object.values(factor)) if (value instanceof Uint8Array) value.fill(0);
  }
}

/**
 * The tokens offered to unlock, each with its PIN file (or none, to be asked): --token/--pin-file
 * where the command lets them, and every --unlock-token. Checked before any secret is read.
 * Throws USAGE.
 */
function tokenOffers(
  options: ParsedOptions,
  command: CommandSpec,
): Array<{ serial: string; pinFile: string | undefined }> {
  const serials = filesOption(options, 'unlock-token');
  const pinFiles = filesOption(options, 'unlock-pin-file');
  if (!command.ownsTokenOptions && options.token === undefined && options['pin-file'] !== undefined)
    throw usage('--pin-file goes with --token SERIAL.');
  if (!command.ownsTokenOptions && options.token !== undefined) {
    serials.unshift(options.token);
    if (options['pin-file'] !== undefined) pinFiles.unshift(options['pin-file']);
    else if (pinFiles.length > 0) throw usage('--token takes --pin-file F (or none, to be asked).');
  }
  if (pinFiles.length > serials.length) throw usage('There are more PIN files than tokens.');
  if (pinFiles.length > 0 && pinFiles.length < serials.length)
    throw usage('Give one PIN file for each token, in the same order (or none, to be asked).');
  return serials.map((serial, index) => ({ serial, pinFile: pinFiles[index] }));
}

/**
 * The factors the unlock options offer. With none of them, the passphrase is asked for on the
 * terminal (or read from `stdinLine`). Throws USAGE, SECRET_INPUT_UNAVAILABLE.
 */
export async function readUnlockFactors(
  options: ParsedOptions,
  command: CommandSpec,
  vault: string,
  io: CliIo,
  stdinLine?: Buffer,
): Promise<UnlockFactorRequest[]> {
  const tokens = tokenOffers(options, command);
  const factors: UnlockFactorRequest[] = [];
  try {
    await readFactors(
      options,
      tokens,
      command.ownsTokenOptions === true,
      factors,
      vault,
      io,
      stdinLine,
    );
    return factors;
  } catch (error) {
    zeroFactors(factors);
    throw error;
  }
}

/** Reads each offered factor's secret into `factors`, in order. */
async function readFactors(
  options: ParsedOptions,
  tokens: Array<{ serial: string; pinFile: string | undefined }>,
  ownsToken: boolean,
  factors: UnlockFactorRequest[],
  vault: string,
  io: CliIo,
  stdinLine: Buffer | undefined,
): Promise<void> {
  if (options.keychain) factors.push({ kind: 'keychain' });
  if (options['recovery-key-file'] !== undefined) {
    factors.push({
      kind: 'recovery-key',
      recoveryKey: readSecretFile(options['recovery-key-file'], 'recovery key', warnTo(io)),
    });
  }
  if (options.tpm || options['tpm-pin-file'] !== undefined) {
    const pinFile = options['tpm-pin-file'];
    factors.push({
      kind: 'tpm2',
      ...(pinFile !== undefined ? { pin: readSecretFile(pinFile, 'TPM PIN', warnTo(io)) } : {}),
    });
  }
  const module = listOption(options, 'module')?.[0];
  for (const { serial, pinFile } of tokens) {
    factors.push({
      kind: 'pkcs11',
      serial,
      pin: await pinFrom(pinFile, `PIN of token ${serial}`, io),
      ...(module ? { module } : {}),
      // --final-try is consent for the command's own token; an unlock token takes its own.
      ...(options['unlock-final-try'] || (!ownsToken && options['final-try'])
        ? { acceptFinalTry: true }
        : {}),
    });
  }
  if (options.yubikey) factors.push({ kind: 'yubikey-hmac' });
  if (options.fido2 || options['fido2-pin-file'] !== undefined) {
    const pinFile = options['fido2-pin-file'];
    factors.push({
      kind: 'fido2',
      ...(pinFile !== undefined ? { pin: readSecretFile(pinFile, 'FIDO2 PIN', warnTo(io)) } : {}),
    });
  }
  const passphraseGiven =
    options['passphrase-file'] !== undefined || options['passphrase-stdin'] === true || stdinLine;
  if (passphraseGiven || factors.length === 0) {
    let raw: Buffer;
    if (options['passphrase-file'] !== undefined)
      raw = readSecretFile(options['passphrase-file'], 'passphrase', warnTo(io));
    else if (stdinLine) raw = stdinLine;
    else if (options['passphrase-stdin']) raw = (await readStdinLines(1))[0] ?? Buffer.alloc(0);
    else raw = await promptHidden(`Passphrase for ${vault}: `);
    try {
      factors.unshift({ kind: 'passphrase', passphrase: normalizePassphrase(raw) });
    } finally {
      raw.fill(0);
    }
  }
}

/** Whether any unlock option was given (a locked `status` reads the header only without one). */
export function hasUnlockOption(options: ParsedOptions, command: CommandSpec): boolean {
  return (
    UNLOCK_OPTIONS.some((name) => options[name] !== undefined) ||
    (!command.ownsTokenOptions && options.token !== undefined)
  );
}
