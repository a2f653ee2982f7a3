import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { FactorEnrolmentRequest } from '../shared/contract.ts';
import {
  filesOption,
  integerOption,
  kdfRequestFrom,
  listOption,
  requiredOption,
} from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import { promptHidden, readNewPassphrase, readSecretFile } from './secret-input.ts';
import type { CliIo } from './main.ts';

// `slots add`: the factors of the new slot (--kind, then each --with), each read from its own
// options in order. Tokens take the i-th --new-token, --new-token-key and --new-token-pin-file.

export const SLOT_KINDS = [
  'passphrase',
  'recovery',
  'tpm2',
  'keychain',
  'pkcs11',
  'yubikey-hmac',
  'fido2',
] as const;

function usage(message: string): KeywardenError {
  return new KeywardenError(ErrorCode.USAGE, `${message} Run "keywarden --help" for usage.`);
}

/** The factor kinds asked for: --kind first, then every --with. Throws USAGE. */
export function slotFactorKinds(options: ParsedOptions): string[] {
  const kinds = [requiredOption(options, 'kind'), ...(listOption(options, 'with') ?? [])];
  for (const kind of kinds) {
    if (!(SLOT_KINDS as readonly string[]).includes(kind))
      throw usage(`--kind and --with take one of ${SLOT_KINDS.join(', ')}; got "${kind}".`);
  }
  if (kinds.includes('recovery') && kinds.length > 1)
    throw usage('A recovery key is a slot of its own: it takes no --with.');
  return kinds;
}

/** The PCR list of --tpm-pcrs ("7" or "0,7"); none by default. Throws USAGE. */
function pcrsOption(options: ParsedOptions): number[] {
  const values = listOption(options, 'tpm-pcrs') ?? [];
  return values.map((value) => {
    if (!/^\d{1,2}$/.test(value) || Number(value) > 23)
      throw usage(`--tpm-pcrs takes PCR numbers 0 to 23 such as 7 or 0,7; got "${value}".`);
    return Number(value);
  });
}

/**
 * Reads each factor's enrolment from the options. Secrets come from the named files or a
 * prompt without echo. Throws USAGE, PASSPHRASE_MISMATCH, SECRET_INPUT_UNAVAILABLE.
 */
export async function readEnrolments(
  kinds: string[],
  options: ParsedOptions,
  io: CliIo,
): Promise<FactorEnrolmentRequest[]> {
  const kdf = kdfRequestFrom(options);
  const tokens = filesOption(options, 'new-token');
  const keys = filesOption(options, 'new-token-key');
  const pins = filesOption(options, 'new-token-pin-file');
  const tokenCount = kinds.filter((kind) => kind === 'pkcs11').length;
  if (tokens.length !== tokenCount || keys.length !== tokenCount)
    throw usage(
      `Each pkcs11 factor takes --new-token SERIAL --new-token-key HEX (${tokenCount} of each here).`,
    );
  if (pins.length !== 0 && pins.length !== tokenCount)
    throw usage(
      'Give one --new-token-pin-file per token, in the same order (or none, to be asked).',
    );
  if (kinds.filter((kind) => kind === 'passphrase').length > 1 && options['new-passphrase-file'])
    throw usage('Only one passphrase factor can come from --new-passphrase-file.');
  // Every option is checked before the first secret is read.
  const pcrs = pcrsOption(options);
  const yubiKeySlot = integerOption(options, 'yubikey-slot') ?? 2;
  if (yubiKeySlot !== 1 && yubiKeySlot !== 2) throw usage('--yubikey-slot takes 1 or 2.');
  const enrolments: FactorEnrolmentRequest[] = [];
  try {
    await readEach(kinds, options, { kdf, tokens, keys, pins, pcrs, yubiKeySlot }, enrolments, io);
    return enrolments;
  } catch (error) {
    zeroEnrolments(enrolments);
    throw error;
  }
}

/** Zeroes the secrets (passphrases, PINs) the enrolments carry. */
export function zeroEnrolments(enrolments: FactorEnrolmentRequest[]): void {
  for (const enrolment of enrolments) {
    for (const value of Object.values(enrolment)) if (value instanceof Uint8Array) value.fill(0);
  }
}

interface EnrolmentInputs {
  kdf: ReturnType<typeof kdfRequestFrom>;
  tokens: string[];
  keys: string[];
  pins: string[];
  pcrs: number[];
  yubiKeySlot: 1 | 2;
}

/** Reads each factor's secrets into `enrolments`, in the order of `kinds`. */
async function readEach(
  kinds: string[],
  options: ParsedOptions,
  { kdf, tokens, keys, pins, pcrs, yubiKeySlot }: EnrolmentInputs,
  enrolments: FactorEnrolmentRequest[],
  io: CliIo,
): Promise<void> {
  const warn = (line: string) => io.err(`${line}\n`);
  let token = 0;
  for (const kind of kinds) {
    switch (kind) {
      case 'passphrase':
        enrolments.push({
          kind,
          passphrase: await readNewPassphrase(warn, { file: options['new-passphrase-file'] }),
          ...(kdf ? { kdf } : {}),
        });
        break;
      case 'keychain':
        enrolments.push({ kind });
        break;
      case 'tpm2': {
        const pinFile = options['new-tpm-pin-file'];
        enrolments.push({
          kind,
          pcrs,
          ...(pinFile !== undefined ? { pin: readSecretFile(pinFile, 'TPM PIN', warn) } : {}),
          ...(kdf ? { kdf } : {}),
        });
        break;
      }
      case 'pkcs11': {
        const serial = tokens[token]!;
        const pinFile = pins[token];
        const pin =
          pinFile !== undefined
            ? readSecretFile(pinFile, `PIN of token ${serial}`, warn)
            : await promptHidden(`PIN of token ${serial}: `);
        const module = listOption(options, 'module')?.[0];
        enrolments.push({
          kind,
          serial,
          keyId: keys[token]!,
          pin,
          ...(module ? { module } : {}),
          ...(options['final-try'] ? { acceptFinalTry: true } : {}),
        });
        token += 1;
        break;
      }
      case 'yubikey-hmac':
        enrolments.push({ kind, slot: yubiKeySlot });
        break;
      case 'fido2': {
        const pinFile = options['new-fido2-pin-file'];
        enrolments.push({
          kind,
          ...(pinFile !== undefined ? { pin: readSecretFile(pinFile, 'FIDO2 PIN', warn) } : {}),
        });
        break;
      }
    }
  }
}
