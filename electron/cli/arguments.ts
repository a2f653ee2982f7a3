import { parseArgs } from 'node:util';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { KdfRequest } from '../shared/contract.ts';

// The command line: commands, their options, and the unlock options every command accepts.
// No option takes a secret as its value: secrets come from files, stdin or a prompt.

export const UNLOCK_OPTIONS = [
  'passphrase-file',
  'passphrase-stdin',
  'recovery-key-file',
  'keychain',
  'tpm',
  'tpm-pin-file',
  'unlock-token',
  'unlock-pin-file',
  'yubikey',
  'fido2',
  'fido2-pin-file',
] as const;
/**
 * --token and --pin-file unlock with a token on commands that act on no token of their own;
 * on the others (ownsTokenOptions) they name that token, and --unlock-token is the way.
 */
export const TOKEN_UNLOCK_OPTIONS = ['token', 'pin-file'] as const;
const KDF_OPTIONS = [
  'kdf-memory-mib',
  'kdf-iterations',
  'kdf-parallelism',
  'kdf-target-ms',
] as const;
const COMMON = [
  'vault',
  'json',
  'debug',
  'actor',
  'help',
  'tpm-tcti',
  'module',
  'unlock-slot',
  ...UNLOCK_OPTIONS,
  ...TOKEN_UNLOCK_OPTIONS,
] as const;
/** What a new slot's factors take (see slots add). */
const ENROL_OPTIONS = [
  'kind',
  'with',
  'quorum',
  'name',
  'new-passphrase-file',
  'tpm-pcrs',
  'new-tpm-pin-file',
  'new-token',
  'new-token-key',
  'new-token-pin-file',
  'yubikey-slot',
  'new-fido2-pin-file',
  'final-try',
] as const;
/** What every token command takes: no vault, the modules to load and the token to act on. */
const TOKEN_COMMON = ['json', 'debug', 'help', 'module', 'token'] as const;
/** What every new key's entry says, however it enters the inventory. */
const ENTRY_OPTIONS = [
  'name',
  'purpose',
  'owner',
  'custodian',
  'environment',
  'classification',
  'tier',
  'label',
  'notes',
  'pre-activation',
] as const;
const SUBJECT_OPTIONS = [
  'common-name',
  'organization',
  'organizational-unit',
  'country',
  'email',
  'dns',
] as const;

const OPTION_SPEC = {
  vault: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  actor: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  'passphrase-stdin': { type: 'boolean' },
  'recovery-key-file': { type: 'string' },
  keychain: { type: 'boolean' },
  slot: { type: 'string' },
  'new-passphrase-file': { type: 'string' },
  'new-passphrase-stdin': { type: 'boolean' },
  'kdf-memory-mib': { type: 'string' },
  'kdf-iterations': { type: 'string' },
  'kdf-parallelism': { type: 'string' },
  'kdf-target-ms': { type: 'string' },
  replace: { type: 'boolean' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  after: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string', multiple: true },
  algorithm: { type: 'string' },
  purpose: { type: 'string', multiple: true },
  owner: { type: 'string' },
  custodian: { type: 'string', multiple: true },
  environment: { type: 'string' },
  classification: { type: 'string' },
  tier: { type: 'string' },
  label: { type: 'string', multiple: true },
  notes: { type: 'string' },
  state: { type: 'string' },
  'due-within': { type: 'string' },
  to: { type: 'string' },
  reason: { type: 'string' },
  in: { type: 'string', multiple: true },
  out: { type: 'string' },
  'out-dir': { type: 'string' },
  signature: { type: 'string' },
  pss: { type: 'boolean' },
  format: { type: 'string' },
  'authorised-by': { type: 'string' },
  witness: { type: 'string' },
  'after-days': { type: 'string' },
  'wrapped-by': { type: 'string' },
  'pre-activation': { type: 'boolean' },
  published: { type: 'boolean' },
  'publish-days': { type: 'string' },
  file: { type: 'string' },
  'key-passphrase-file': { type: 'string' },
  'secret-algorithm': { type: 'string' },
  'export-passphrase-file': { type: 'string' },
  'token-serial': { type: 'string' },
  'cka-id': { type: 'string' },
  reference: { type: 'string' },
  'public-key': { type: 'string' },
  'common-name': { type: 'string' },
  organization: { type: 'string' },
  'organizational-unit': { type: 'string' },
  country: { type: 'string' },
  email: { type: 'string' },
  dns: { type: 'string', multiple: true },
  days: { type: 'string' },
  ca: { type: 'boolean' },
  module: { type: 'string', multiple: true },
  token: { type: 'string' },
  'pin-file': { type: 'string' },
  'new-pin-file': { type: 'string' },
  'so-pin-file': { type: 'string' },
  /** Let a login use the PIN's final try (refused otherwise: a mistake then locks the card). */
  'final-try': { type: 'boolean' },
  tpm: { type: 'boolean' },
  'tpm-pin-file': { type: 'string' },
  'tpm-tcti': { type: 'string' },
  'unlock-slot': { type: 'string' },
  'unlock-token': { type: 'string', multiple: true },
  'unlock-pin-file': { type: 'string', multiple: true },
  yubikey: { type: 'boolean' },
  fido2: { type: 'boolean' },
  'fido2-pin-file': { type: 'string' },
  kind: { type: 'string' },
  with: { type: 'string', multiple: true },
  quorum: { type: 'string' },
  'tpm-pcrs': { type: 'string' },
  'new-tpm-pin-file': { type: 'string' },
  'new-token': { type: 'string', multiple: true },
  'new-token-key': { type: 'string', multiple: true },
  'new-token-pin-file': { type: 'string', multiple: true },
  'yubikey-slot': { type: 'string' },
  'new-fido2-pin-file': { type: 'string' },
} as const;

export type OptionName = keyof typeof OPTION_SPEC;

export interface CommandSpec {
  words: string[];
  /** Positional operands after the command words, such as a key id. */
  operands?: string[];
  /** The operands may be left out (an option gives the same). */
  operandsOptional?: boolean;
  /** --token and --pin-file name the token this command acts on, not an unlock factor. */
  ownsTokenOptions?: boolean;
  summary: string;
  usage: string;
  options: readonly OptionName[];
  needsVault: boolean;
}

export const COMMANDS: CommandSpec[] = [
  {
    words: ['init'],
    summary: 'create a vault protected by a new passphrase',
    usage:
      'init --vault PATH [--kdf-memory-mib N --kdf-iterations N --kdf-parallelism N | --kdf-target-ms N] [--passphrase-file F | --passphrase-stdin]',
    options: [...COMMON, ...KDF_OPTIONS],
    needsVault: true,
  },
  {
    words: ['status'],
    summary:
      'show the header; with an unlock option, authenticate the whole file and count records',
    usage: 'status --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['passphrase', 'change'],
    summary: 'replace the passphrase (records are not re-encrypted)',
    usage:
      'passphrase change --vault PATH [unlock options] [--new-passphrase-file F | --new-passphrase-stdin] [kdf options]',
    options: [...COMMON, ...KDF_OPTIONS, 'new-passphrase-file', 'new-passphrase-stdin'],
    needsVault: true,
  },
  {
    words: ['recovery-key', 'add'],
    summary: 'add a recovery key and print it once',
    usage: 'recovery-key add --vault PATH [unlock options] [--replace]',
    options: [...COMMON, 'replace'],
    needsVault: true,
  },
  {
    words: ['keychain', 'add'],
    summary: "add an OS keychain slot: this OS account's keychain then opens the vault",
    usage: 'keychain add --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['slots', 'list'],
    summary: "list the vault's unlock slots (no unlock needed)",
    usage: 'slots list --vault PATH [--json]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['slots', 'add'],
    summary: 'add an unlock slot: one factor, several at once (--with), or k of n (--quorum)',
    usage:
      'slots add --vault PATH --kind passphrase|recovery|tpm2|keychain|pkcs11|yubikey-hmac|fido2 [--with KIND]... [--quorum K] [--name N] [factor options] [kdf options] [--json] [unlock options]',
    options: [...COMMON, ...ENROL_OPTIONS, ...KDF_OPTIONS],
    needsVault: true,
  },
  {
    words: ['slots', 'rename'],
    summary: 'give an unlock slot a name people recognise',
    usage: 'slots rename ID --vault PATH --name N [--json] [unlock options]',
    operands: ['ID'],
    options: [...COMMON, 'name'],
    needsVault: true,
  },
  {
    words: ['slots', 'remove'],
    summary: 'remove an unlock slot (never the last one; a keychain slot takes its item along)',
    usage: 'slots remove ID --vault PATH [--json] [unlock options]  (or --slot ID)',
    operands: ['ID'],
    operandsOptional: true,
    options: [...COMMON, 'slot'],
    needsVault: true,
  },
  {
    words: ['audit', 'verify'],
    summary: "verify the audit chain (with an unlock option, also its MAC'd checkpoint)",
    usage: 'audit verify --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['audit', 'list'],
    summary: 'list audit entries',
    usage: 'audit list --vault PATH [--json] [--after SEQ] [--limit N]',
    options: [...COMMON, 'limit', 'after'],
    needsVault: true,
  },
  {
    words: ['people', 'add'],
    summary: 'register a person with one or more roles',
    usage:
      'people add --vault PATH --name NAME --role officer|custodian|witness|auditor|engineer[,...] [unlock options]',
    options: [...COMMON, 'name', 'role'],
    needsVault: true,
  },
  {
    words: ['people', 'list'],
    summary: 'list the people registry',
    usage: 'people list --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['policy', 'show'],
    summary: "show the vault's crypto-period policy (NIST SP 800-57 Table 1)",
    usage: 'policy show --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['policy', 'set'],
    summary: "replace the vault's crypto-period policy with an edited table (officers only)",
    usage: 'policy set --vault PATH --file TABLE.json',
    options: [...COMMON, 'file'],
    needsVault: true,
  },
  {
    words: ['policy', 'reset'],
    summary: 'return to the shipped NIST SP 800-57 table (officers only)',
    usage: 'policy reset --vault PATH',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['keys', 'generate'],
    ownsTokenOptions: true,
    summary: 'generate a key in the vault and enter it in the inventory',
    usage:
      'keys generate --vault PATH --name N --algorithm ed25519|x25519|p256|p384|rsa3072|rsa4096|aes256|hmac-sha256 --purpose P[,P] --owner NAME [--custodian NAME]... [--environment E] [--tier 1-4] [--classification C] [--label L]... [--notes TEXT] [--wrapped-by KEK_ID] [--pre-activation] [--token SERIAL --pin-file F [--final-try] [--module PATH]...] [--json]',
    options: [
      ...COMMON,
      ...ENTRY_OPTIONS,
      'algorithm',
      'wrapped-by',
      'token',
      'pin-file',
      'final-try',
      'module',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'import'],
    summary:
      'import a key file: PEM (PKCS#8, encrypted PKCS#8, SPKI), OpenSSH (private or public) or JWK',
    usage:
      'keys import --vault PATH --file F [--key-passphrase-file F] [--secret-algorithm aes256|hmac-sha256] [--name N] --purpose P[,P] --owner NAME [entry options] [--wrapped-by KEK_ID] [--json]',
    options: [
      ...COMMON,
      ...ENTRY_OPTIONS,
      'file',
      'key-passphrase-file',
      'secret-algorithm',
      'wrapped-by',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'register'],
    summary: 'enter a key that lives on a token or elsewhere (a cloud KMS) in the inventory',
    usage:
      'keys register --vault PATH --name N (--token-serial S --cka-id HEX | --reference REF) [--algorithm A] [--public-key FILE] --purpose P[,P] --owner NAME [entry options] [--json]',
    options: [
      ...COMMON,
      ...ENTRY_OPTIONS,
      'algorithm',
      'token-serial',
      'cka-id',
      'reference',
      'public-key',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'list'],
    summary: 'list keys, optionally by state, owner or due date',
    usage:
      'keys list --vault PATH [--state S] [--owner NAME] [--due-within 30d] [--published] [--offset N] [--limit N] [--json]',
    options: [...COMMON, 'state', 'owner', 'due-within', 'published', 'offset', 'limit', 'module'],
    needsVault: true,
  },
  {
    words: ['keys', 'show'],
    operands: ['ID'],
    summary: 'show one key, its crypto-period and its history',
    usage: 'keys show ID --vault PATH [--module PATH]... [--json]',
    options: [...COMMON, 'module'],
    needsVault: true,
  },
  {
    words: ['keys', 'transition'],
    operands: ['ID'],
    summary: 'move a key to another lifecycle state, with a reason',
    usage: 'keys transition ID --vault PATH --to STATE --reason TEXT',
    options: [...COMMON, 'to', 'reason'],
    needsVault: true,
  },
  {
    words: ['keys', 'update'],
    operands: ['ID'],
    summary: "edit a key's entry (name, owner, custodians, tier, labels, notes), with a reason",
    usage:
      'keys update ID --vault PATH --reason TEXT [--name N] [--owner NAME] [--custodian NAME]... [--environment E] [--classification C] [--tier 1-4] [--label L]... [--notes TEXT]',
    options: [
      ...COMMON,
      'reason',
      'name',
      'owner',
      'custodian',
      'environment',
      'classification',
      'tier',
      'label',
      'notes',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'rotate'],
    operands: ['ID'],
    summary:
      'make a new version of a key; the old one is deactivated; data keys under a KEK are rewrapped',
    usage: 'keys rotate ID --vault PATH [--reason TEXT] [--publish-days N] [--json]',
    options: [...COMMON, 'reason', 'publish-days'],
    needsVault: true,
  },
  {
    words: ['keys', 'rewrap'],
    operands: ['ID'],
    summary: "finish rewrapping a rotated KEK's data keys (after an interruption)",
    usage: 'keys rewrap ID --vault PATH [--json]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['keys', 'sign'],
    ownsTokenOptions: true,
    operands: ['ID'],
    summary:
      'sign a file, or several with one PIN entry (DER for ECDSA, raw for Ed25519, PKCS#1 v1.5 or --pss for RSA)',
    usage:
      'keys sign ID --vault PATH (--in FILE --out SIGNATURE | --in FILE... --out-dir DIR) [--pss] [--pin-file F] [--final-try] [--module PATH]...',
    options: [...COMMON, 'in', 'out', 'out-dir', 'pss', 'pin-file', 'final-try', 'module'],
    needsVault: true,
  },
  {
    words: ['keys', 'verify'],
    operands: ['ID'],
    summary: 'verify a signature of a file',
    usage: 'keys verify ID --vault PATH --in FILE --signature SIGNATURE [--pss]',
    options: [...COMMON, 'in', 'signature', 'pss'],
    needsVault: true,
  },
  {
    words: ['keys', 'export-public'],
    operands: ['ID'],
    summary: 'export a public key as PEM (SPKI), an OpenSSH line or JWK',
    usage: 'keys export-public ID --vault PATH --format pem|openssh|jwk [--out FILE]',
    options: [...COMMON, 'format', 'out'],
    needsVault: true,
  },
  {
    words: ['keys', 'export-private'],
    operands: ['ID'],
    summary:
      'export a private key as encrypted PKCS#8 (re-authenticates with the vault passphrase)',
    usage:
      'keys export-private ID --vault PATH --passphrase-file F --out FILE [--export-passphrase-file F]',
    options: [...COMMON, 'out', 'export-passphrase-file'],
    needsVault: true,
  },
  {
    words: ['keys', 'csr'],
    operands: ['ID'],
    summary: 'write a PKCS#10 certificate signing request for a signing key',
    usage:
      'keys csr ID --vault PATH --common-name CN [--organization O] [--organizational-unit OU] [--country CC] [--email E] [--dns NAME]... [--pss] [--out FILE]',
    options: [...COMMON, ...SUBJECT_OPTIONS, 'pss', 'out'],
    needsVault: true,
  },
  {
    words: ['keys', 'certificate'],
    operands: ['ID'],
    summary: 'write a self-signed X.509 certificate for a signing key',
    usage:
      'keys certificate ID --vault PATH --common-name CN [subject options] --days N [--ca] [--pss] [--out FILE]',
    options: [...COMMON, ...SUBJECT_OPTIONS, 'days', 'ca', 'pss', 'out'],
    needsVault: true,
  },
  {
    words: ['keys', 'destroy'],
    ownsTokenOptions: true,
    operands: ['ID'],
    summary: "schedule a deactivated key's destruction (7-30 day window), or carry it out once due",
    usage:
      'keys destroy ID --vault PATH --authorised-by NAME --witness NAME [--after-days N] [--pin-file F (a token key)] [--final-try] [--module PATH]...',
    options: [
      ...COMMON,
      'authorised-by',
      'witness',
      'after-days',
      'pin-file',
      'final-try',
      'module',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'cancel-destroy'],
    operands: ['ID'],
    summary: 'cancel a scheduled destruction (the key returns to deactivated)',
    usage: 'keys cancel-destroy ID --vault PATH',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['settings', 'show'],
    summary: "show this OS user's settings (tpm-tcti) and the file they are kept in",
    usage: 'settings show [--json]',
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['settings', 'set'],
    summary: 'set a setting, such as tpm-tcti (the TPM to use: device:/dev/tpmrm0, swtpm:…)',
    usage: 'settings set NAME VALUE',
    operands: ['NAME', 'VALUE'],
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['settings', 'unset'],
    summary: 'remove a setting, so its default applies again',
    usage: 'settings unset NAME',
    operands: ['NAME'],
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['tokens', 'list'],
    summary: 'list the PKCS#11 tokens attached, with their PIN state',
    usage: 'tokens list [--module PATH]... [--json]',
    options: ['json', 'debug', 'help', 'module'],
    needsVault: false,
  },
  {
    words: ['tokens', 'objects'],
    summary: "list a token's keys and certificates, with where each key was born",
    usage: 'tokens objects --token SERIAL [--pin-file F] [--final-try] [--module PATH]... [--json]',
    options: [...TOKEN_COMMON, 'pin-file', 'final-try'],
    needsVault: false,
  },
  {
    words: ['tokens', 'import-certificate'],
    summary: 'store an X.509 certificate on a token beside the key it is for',
    usage:
      'tokens import-certificate --token SERIAL --cka-id HEX --file CERT.pem|der [--label L] [--pin-file F] [--final-try] [--module PATH]... [--json]',
    options: [...TOKEN_COMMON, 'cka-id', 'file', 'label', 'pin-file', 'final-try'],
    needsVault: false,
  },
  {
    words: ['tokens', 'init'],
    summary: 'initialise a new token: its label, security officer PIN and user PIN',
    usage:
      'tokens init --label L [--token SERIAL] [--so-pin-file F --pin-file F] [--module PATH]...',
    options: [...TOKEN_COMMON, 'label', 'so-pin-file', 'pin-file'],
    needsVault: false,
  },
  {
    words: ['tokens', 'change-pin'],
    summary: "change a token's user PIN",
    usage:
      'tokens change-pin --token SERIAL [--pin-file F --new-pin-file F] [--final-try] [--module PATH]...',
    options: [...TOKEN_COMMON, 'pin-file', 'final-try', 'new-pin-file'],
    needsVault: false,
  },
  {
    words: ['tokens', 'unblock-pin'],
    summary: "set a token's user PIN with the security officer PIN (first use, or a locked PIN)",
    usage:
      'tokens unblock-pin --token SERIAL [--so-pin-file F --new-pin-file F] [--final-try] [--module PATH]...',
    options: [...TOKEN_COMMON, 'so-pin-file', 'final-try', 'new-pin-file'],
    needsVault: false,
  },
  {
    words: ['inventory', 'export'],
    summary: 'export the inventory as a CycloneDX 1.6 CBOM (JSON)',
    usage: 'inventory export --vault PATH --format cbom [--out FILE]',
    options: [...COMMON, 'format', 'out'],
    needsVault: true,
  },
];

type OptionValue<K extends OptionName> = (typeof OPTION_SPEC)[K] extends { multiple: true }
  ? string[]
  : (typeof OPTION_SPEC)[K]['type'] extends 'string'
    ? string
    : boolean;
export type ParsedOptions = { [K in OptionName]?: OptionValue<K> };

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
