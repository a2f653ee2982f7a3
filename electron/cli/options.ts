// The command line's options: every option, how it parses, and the groups commands take.
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
  'unlock-final-try',
  'yubikey',
  'fido2',
  'fido2-pin-file',
] as const;
/**
 * --token and --pin-file unlock with a token on commands that act on no token of their own;
 * on the others (ownsTokenOptions) they name that token, and --unlock-token is the way.
 */
export const TOKEN_UNLOCK_OPTIONS = ['token', 'pin-file'] as const;
export const KDF_OPTIONS = [
  'kdf-memory-mib',
  'kdf-iterations',
  'kdf-parallelism',
  'kdf-target-ms',
] as const;
export const COMMON = [
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
export const ENROL_OPTIONS = [
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
export const TOKEN_COMMON = ['json', 'debug', 'help', 'module', 'token'] as const;
/** What every new key's entry says, however it enters the inventory. */
export const ENTRY_OPTIONS = [
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
export const SUBJECT_OPTIONS = [
  'common-name',
  'organization',
  'organizational-unit',
  'country',
  'email',
  'dns',
] as const;

export const OPTION_SPEC = {
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
  key: { type: 'string' },
  participant: { type: 'string', multiple: true },
  param: { type: 'string', multiple: true },
  'signing-key': { type: 'string' },
  'signing-pin-file': { type: 'string' },
  'transcript-out': { type: 'string' },
  'transcript-pdf': { type: 'string' },
  pdf: { type: 'string' },
  'token-key': { type: 'string' },
  threshold: { type: 'string' },
  share: { type: 'string', multiple: true },
  component: { type: 'string', multiple: true },
  count: { type: 'string' },
  kcv: { type: 'string' },
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
  /** Let an unlock token's login use its PIN's final try. */
  'unlock-final-try': { type: 'boolean' },
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

type OptionValue<K extends OptionName> = (typeof OPTION_SPEC)[K] extends { multiple: true }
  ? string[]
  : (typeof OPTION_SPEC)[K]['type'] extends 'string'
    ? string
    : boolean;
export type ParsedOptions = { [K in OptionName]?: OptionValue<K> };
