import { readFileSync } from 'node:fs';
import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { TokenList, TokenObjectView, TokenView } from '../shared/token-types.ts';
import type { KeywardenServices } from '../services/services.ts';
import { listOption, requiredOption } from './arguments.ts';
import type { OptionName, ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';
import { promptHidden, readSecretFile } from './secret-input.ts';

// The token commands: what is attached, what is on a token, and its PINs. They need no vault.
// PINs come from files or a prompt without echo; the services call zeroes them.

/**
 * A new PIN from --NAME-file, or typed twice at the terminal (a mistyped new SO PIN would
 * leave no way to unblock the card). Throws SECRET_INPUT_UNAVAILABLE, PASSPHRASE_MISMATCH.
 */
async function readNewPin(
  options: ParsedOptions,
  option: OptionName,
  what: string,
  io: CliIo,
): Promise<Buffer> {
  const first = await readPin(options, option, what, io);
  if (typeof options[option] === 'string') return first;
  const again = await promptHidden(`Repeat the ${what}: `).catch((error: unknown) => {
    first.fill(0);
    throw error;
  });
  const same = first.equals(again);
  again.fill(0);
  if (!same) {
    first.fill(0);
    throw new KeywardenError(
      ErrorCode.PASSPHRASE_MISMATCH,
      `The two ${what}s differ; nothing was changed.`,
    );
  }
  return first;
}

/** A PIN from --NAME-file, or typed at the terminal. Throws SECRET_INPUT_UNAVAILABLE. */
export async function readPin(
  options: ParsedOptions,
  option: OptionName,
  what: string,
  io: CliIo,
): Promise<Buffer> {
  const path = options[option];
  if (typeof path === 'string') return readSecretFile(path, what, (line) => io.err(`${line}\n`));
  return promptHidden(`${what[0]?.toUpperCase()}${what.slice(1)}: `);
}

function pinState(token: TokenView): string {
  const pin = token.userPin;
  if (!token.initialized) return 'not initialised';
  if (!pin.initialized) return 'user PIN not set';
  if (pin.locked) return 'user PIN LOCKED (unblock with the SO PIN)';
  if (pin.finalTry) return 'user PIN: one try left';
  if (pin.countLow) return 'user PIN: wrong tries recorded';
  if (pin.toBeChanged) return 'user PIN must be changed';
  return 'user PIN ok';
}

function formatTokens(list: TokenList): string {
  const lines = list.tokens.map(
    (t) =>
      `${t.serial}  ${t.label || '(no label)'}  ${t.manufacturer} ${t.model} fw ${t.firmware}  ${pinState(t)}${t.freePrivateMemory !== null ? `  ${t.freePrivateMemory} bytes free` : ''}\n    module ${t.module}`,
  );
  const failed = list.failures.map((f) => `module ${f.module} could not be loaded: ${f.reason}`);
  return [...(lines.length ? lines : ['No tokens attached.']), ...failed].join('\n');
}

function formatObjects(objects: TokenObjectView[]): string {
  if (objects.length === 0) return 'No objects (give the PIN to see private ones).';
  return objects
    .map((o) => {
      const p = o.provenance;
      const flags = p
        ? ` ${p.onDeviceGenerated ? 'on-device generated' : 'imported or not provably local'}; sensitive=${String(p.sensitive)} extractable=${String(p.extractable)} never-extractable=${String(p.neverExtractable)} local=${String(p.local)}`
        : '';
      return `${o.class.padEnd(11)} id ${o.id || '-'}  ${o.label || '(no label)'}  ${o.algorithm ?? o.keyType ?? ''}${o.sizeBits ? ` ${o.sizeBits} bits` : ''}${flags}`;
    })
    .join('\n');
}

/**
 * Runs a token command; null for a command that is not one. Throws the services' errors and
 * USAGE.
 */
export async function runTokenCommand(
  command: string,
  options: ParsedOptions,
  services: KeywardenServices,
  io: CliIo,
): Promise<number | null> {
  const json = options.json === true;
  const print = (value: unknown, text: () => string) =>
    io.out(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
  const token = () => ({
    serial: requiredOption(options, 'token'),
    ...(options['final-try'] === true ? { acceptFinalTry: true } : {}),
  });
  switch (command) {
    case 'tokens list': {
      const list = await services.invoke('tokens:list', {});
      print(list, () => formatTokens(list));
      return ExitCode.OK;
    }
    case 'tokens objects': {
      const pin = options['pin-file'] ? await readPin(options, 'pin-file', 'PIN', io) : undefined;
      const objects = await services.invoke('tokens:objects', {
        ...token(),
        ...(pin ? { pin } : {}),
      });
      print(objects, () => formatObjects(objects));
      return ExitCode.OK;
    }
    case 'tokens init': {
      const labels = listOption(options, 'label') ?? [];
      if (labels.length !== 1)
        throw new KeywardenError(ErrorCode.USAGE, 'tokens init takes one --label L.');
      const soPin = await readNewPin(options, 'so-pin-file', 'new security officer PIN', io);
      const pin = await readNewPin(options, 'pin-file', 'new user PIN', io).catch(
        (error: unknown) => {
          soPin.fill(0);
          throw error;
        },
      );
      const made = await services.invoke('tokens:init', {
        label: labels[0] ?? '',
        soPin,
        pin,
        ...(options.token ? { serial: options.token } : {}),
      });
      print(made, () => `Initialised token ${made.serial} "${made.label}"; its user PIN is set.`);
      return ExitCode.OK;
    }
    case 'tokens change-pin': {
      const ref = token();
      const pin = await readPin(options, 'pin-file', 'current PIN', io);
      const newPin = await readNewPin(options, 'new-pin-file', 'new PIN', io).catch(
        (error: unknown) => {
          pin.fill(0);
          throw error;
        },
      );
      await services.invoke('tokens:change-pin', { ...ref, pin, newPin });
      print({ changed: true }, () => `The user PIN of token ${ref.serial} is changed.`);
      return ExitCode.OK;
    }
    case 'tokens import-certificate': {
      const ref = token();
      const labels = listOption(options, 'label') ?? [];
      if (labels.length > 1)
        throw new KeywardenError(ErrorCode.USAGE, 'tokens import-certificate takes one --label.');
      const path = requiredOption(options, 'file');
      let certificate: Buffer;
      try {
        certificate = readFileSync(path);
      } catch {
        throw new KeywardenError(ErrorCode.BAD_REQUEST, `Cannot read ${path}.`);
      }
      const keyId = requiredOption(options, 'cka-id');
      const pin = await readPin(options, 'pin-file', 'PIN', io);
      const stored = await services.invoke('tokens:import-certificate', {
        ...ref,
        pin,
        keyId,
        certificate,
        ...(labels[0] ? { label: labels[0] } : {}),
      });
      print(stored, () => `Stored the certificate for key ${stored.id} on token ${ref.serial}.`);
      return ExitCode.OK;
    }
    case 'tokens unblock-pin': {
      const ref = token();
      const soPin = await readPin(options, 'so-pin-file', 'security officer PIN', io);
      const newPin = await readNewPin(options, 'new-pin-file', 'new user PIN', io).catch(
        (error: unknown) => {
          soPin.fill(0);
          throw error;
        },
      );
      await services.invoke('tokens:unblock-pin', { ...ref, soPin, newPin });
      print({ changed: true }, () => `Token ${ref.serial} has a new user PIN.`);
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
