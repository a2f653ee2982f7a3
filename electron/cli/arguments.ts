import { parseArgs } from 'node:util';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { KdfRequest } from '../shared/contract.ts';
import { COMMANDS } from './commands.ts';
import { OPTION_SPEC } from './options.ts';
import type { CommandSpec, OptionName, ParsedOptions } from './options.ts';

export { COMMANDS } from './commands.ts';
export { TOKEN_UNLOCK_OPTIONS, UNLOCK_OPTIONS } from './options.ts';
export type { CommandSpec, OptionName, ParsedOptions } from './options.ts';

// The command line: parsing argv against the commands and options, the option readers every
// command uses, and the help text.

export interface ParsedCommand {
  command: CommandSpec | null;
  options: ParsedOptions;
  /** The command's operands, by name (for example { ID: 'k-…' }). */
  operands: Record<string, string>;
}

function usageError(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.USAGE, `${message} Run "keywarden --help" for usage.`);
}

/** Parses argv (without node and script). Throws USAGE for anything it does not know. */
export function parseCommandLine(argv: string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_SPEC, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(
      error instanceof Error ? error.message.split('\n')[0] + '.' : 'Bad arguments.',
    );
  }
  const options = parsed.values as ParsedOptions;
  const positionals = parsed.positionals;
  if (positionals.length === 0) return { command: null, options, operands: {} };
  const command = COMMANDS.find((spec) => spec.words.every((word, i) => word === positionals[i]));
  if (!command) throw usageError(`Unknown command "${positionals.join(' ')}".`);
  const names = command.operands ?? [];
  const given = positionals.slice(command.words.length);
  if (given.length !== names.length && !(command.operandsOptional && given.length === 0)) {
    throw usageError(
      `"${command.words.join(' ')}" takes ${names.length ? names.join(' ') : 'no operands'}.`,
    );
  }
  const operands = Object.fromEntries(names.map((name, i) => [name, given[i] ?? '']));
  for (const name of Object.keys(options) as OptionName[]) {
    if (!command.options.includes(name))
      throw usageError(`"${command.words.join(' ')}" does not take --${name}.`);
  }
  if (command.needsVault && !options.help && !options.vault)
    throw usageError('--vault PATH is required.');
  if (options['passphrase-file'] !== undefined && options['passphrase-stdin'])
    throw usageError('Give one passphrase source.');
  if (
    options['recovery-key-file'] !== undefined &&
    (options['passphrase-file'] !== undefined || options['passphrase-stdin'])
  )
    throw usageError('Give the passphrase or the recovery key, not both.');
  return { command, options, operands };
}

/** A repeatable option's values, each also split at commas ("--purpose sign,verify"). */
export function listOption(options: ParsedOptions, name: OptionName): string[] | undefined {
  const raw = options[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const values = Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

/** A string option that must be given. Throws USAGE. */
export function requiredOption(options: ParsedOptions, name: OptionName): string {
  let raw = options[name];
  if (Array.isArray(raw)) {
    if (raw.length > 1) throw usageError(`--${name} is given once here.`);
    raw = raw[0];
  }
  if (typeof raw !== 'string' || raw.length === 0) throw usageError(`--${name} is required.`);
  return raw;
}

/** A repeatable file option's values, as given (file names may hold commas). */
export function filesOption(options: ParsedOptions, name: OptionName): string[] {
  const raw = options[name];
  if (raw === undefined || typeof raw === 'boolean') return [];
  return Array.isArray(raw) ? raw : [raw];
}

/** Parses a whole-number option. Throws USAGE. */
export function integerOption(options: ParsedOptions, name: OptionName): number | undefined {
  const raw = options[name];
  if (raw === undefined || typeof raw === 'boolean' || Array.isArray(raw)) return undefined;
  if (!/^\d+$/.test(raw)) throw usageError(`--${name} takes a whole number; got "${raw}".`);
  return Number(raw);
}

/** The Argon2id options (--kdf-*) as a KDF request; undefined when none is given. Throws USAGE. */
export function kdfRequestFrom(options: ParsedOptions): KdfRequest | undefined {
  const kdf: KdfRequest = {};
  const fields = [
    ['memoryMiB', 'kdf-memory-mib'],
    ['iterations', 'kdf-iterations'],
    ['parallelism', 'kdf-parallelism'],
    ['targetMs', 'kdf-target-ms'],
  ] as const;
  for (const [field, option] of fields) {
    const value = integerOption(options, option);
    if (value !== undefined) kdf[field] = value;
  }
  if (kdf.iterations !== undefined && kdf.targetMs !== undefined) {
    throw new KeywardenError(
      ErrorCode.USAGE,
      'Give --kdf-iterations or --kdf-target-ms, not both. Run "keywarden --help" for usage.',
    );
  }
  return Object.keys(kdf).length > 0 ? kdf : undefined;
}

/** Parses a duration in days ("30d" or "30"). Throws USAGE. */
export function daysOption(options: ParsedOptions, name: OptionName): number | undefined {
  const raw = options[name];
  if (raw === undefined || typeof raw !== 'string') return undefined;
  const match = /^(\d{1,5})d?$/.exec(raw);
  if (!match) throw usageError(`--${name} takes a number of days such as 30d; got "${raw}".`);
  return Number(match[1]);
}

/** The help text. */
export function helpText(): string {
  const lines = [
    'keywarden — an offline key vault',
    '',
    'Usage: keywarden COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((spec) => `  ${spec.words.join(' ').padEnd(20)} ${spec.summary}`),
    '',
    'Unlock options (every command accepts them; the ones that need the vault open use them):',
    '  --passphrase-file F       read the passphrase from file F (one trailing newline is ignored)',
    '  --passphrase-stdin        read the passphrase from standard input',
    '  --recovery-key-file F     unlock with the recovery key in file F',
    "  --keychain                unlock with the vault's keychain slot (this OS account's keychain)",
    '  --tpm [--tpm-pin-file F]  unlock with the TPM (and its PIN); --tpm-tcti S or KEYWARDEN_TPM_TCTI',
    '                            picks the TPM (default device:/dev/tpmrm0)',
    '  --token SERIAL --pin-file F   unlock with a smartcard or HSM key (commands that act on a token',
    '                            of their own take --unlock-token SERIAL --unlock-pin-file F instead;',
    '                            repeat those for a quorum of tokens)',
    '  --yubikey                 unlock with a YubiKey (HMAC-SHA1 challenge-response)',
    '  --fido2 [--fido2-pin-file F]  unlock with a FIDO2 security key (hmac-secret)',
    '  Several at once open a combined or quorum slot (for example --passphrase-file F --tpm).',
    '  --unlock-slot N            try only slot N (two TPM PIN slots: spares the other a wrong try)',
    '  (none)                    prompt on the terminal, without echo, when the vault must be opened',
    '',
    'Other options: --json (machine-readable output), --actor NAME (who the audit log names;',
    'default: the OS user), --debug (stack traces), --help, --version.',
    '',
    'Usage lines:',
    ...COMMANDS.map((spec) => `  keywarden ${spec.usage}`),
    '',
    'Exit codes: 0 ok, 1 other failure, 2 usage, 3 authentication failed, 4 vault corrupt or',
    'tampered, 5 token or device problem. Errors print "error [CODE]: message" on stderr.',
  ];
  return lines.join('\n');
}
