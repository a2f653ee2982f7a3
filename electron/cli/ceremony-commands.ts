import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import type { KeyCombineView } from '../shared/ceremony-types.ts';
import { filesOption, integerOption, listOption, requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import { entryRequest } from './inventory-commands.ts';
import type { CliIo } from './main.ts';
import { hexFromTyped, promptHidden, promptLine } from './secret-input.ts';

// `ceremony split` and `ceremony combine`: a secret key split among custodians into share
// files, and a key rebuilt from them. Check values and fingerprints are printed in hex and as
// PGP words, for reading aloud.

/** Reads each piece file (secret bytes, zeroed by the services call). Throws SHARE_INVALID. */
function readPieces(paths: readonly string[], what: string): Buffer[] {
  const read: Buffer[] = [];
  for (const path of paths) {
    try {
      read.push(readFileSync(path));
    } catch {
      for (const bytes of read) bytes.fill(0);
      throw new KeywardenError(ErrorCode.SHARE_INVALID, `${what} ${path} cannot be read.`);
    }
  }
  return read;
}

/** Reads the piece files, then unlocks; the pieces are zeroed when the unlock fails. */
async function piecesThenUnlock(
  paths: readonly string[],
  what: string,
  unlock: () => Promise<unknown>,
): Promise<Buffer[]> {
  const pieces = readPieces(paths, what);
  try {
    await unlock();
  } catch (error) {
    for (const piece of pieces) piece.fill(0);
    throw error;
  }
  return pieces;
}

function required(paths: readonly string[], option: string): void {
  if (paths.length === 0) {
    throw new KeywardenError(
      ErrorCode.USAGE,
      `--${option} FILE is required, once per file. Run "keywarden --help" for usage.`,
    );
  }
}

function combinedText(combined: KeyCombineView, count: number, what: string): string {
  const elsewhere =
    combined.recorded === false
      ? '\nThis vault has no record of the split: the shares came from elsewhere.'
      : '';
  return `Rebuilt key ${combined.key.id} "${combined.key.name}" from ${count} ${what} of ceremony ${combined.ceremony}.\nCheck value: ${combined.kcv}  (${combined.kcvWords.join(' ')})${elsewhere}\n`;
}

/** The key to split: the ID operand or --key ID, one of them. Throws USAGE. */
function keyOperand(options: ParsedOptions, operands: Record<string, string>): string {
  const given = [operands.ID, options.key].filter((id): id is string => Boolean(id));
  if (given.length !== 1)
    throw new KeywardenError(
      ErrorCode.USAGE,
      'Name the key to split once: as the ID operand or with --key ID. Run "keywarden --help" for usage.',
    );
  return given[0]!;
}

/** Runs a ceremony command; returns null for any other. `unlock` opens the vault. */
export async function runCeremonyCommand(
  name: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  services: KeywardenServices,
  io: CliIo,
  unlock: () => Promise<unknown>,
): Promise<number | null> {
  const json = options.json === true;
  switch (name) {
    case 'ceremony split': {
      const keyId = keyOperand(options, operands);
      const threshold = integerOption(options, 'threshold');
      const custodians = listOption(options, 'custodian') ?? [];
      const outDir = requiredOption(options, 'out-dir');
      if (threshold === undefined) {
        throw new KeywardenError(
          ErrorCode.USAGE,
          '--threshold K is required. Run "keywarden --help" for usage.',
        );
      }
      await unlock();
      const format = options.format ?? 'file';
      if (format !== 'file' && format !== 'pdf' && format !== 'slip39') {
        throw new KeywardenError(
          ErrorCode.USAGE,
          `--format takes file, pdf or slip39; got "${format}". Run "keywarden --help" for usage.`,
        );
      }
      const split = await services.invoke('ceremony:split-key', {
        keyId,
        threshold,
        custodians,
        outDir,
        format,
      });
      io.out(
        json
          ? `${JSON.stringify(split, null, 2)}\n`
          : [
              `Split key ${split.keyId}: any ${split.threshold} of ${split.files.length} shares rebuild it (ceremony ${split.ceremony}).`,
              `Check value: ${split.kcv}  (${split.kcvWords.join(' ')})`,
              `Fingerprint: ${split.fingerprint}`,
              `             ${split.fingerprintWords.join(' ')}`,
              ...split.files.flatMap((f) => [
                `  share ${f.index} for ${f.custodian}: ${f.path}`,
                ...(f.sheet ? [`    printed sheet: ${f.sheet}`] : []),
              ]),
              split.files.some((f) => f.sheet)
                ? 'Print each sheet, hand it and its file to its custodian, and delete both here; the vault keeps no share.'
                : 'Hand each file to its custodian and delete it here; the vault keeps no share.',
              '',
            ].join('\n'),
      );
      return ExitCode.OK;
    }
    case 'ceremony combine': {
      const paths = filesOption(options, 'share');
      required(paths, 'share');
      const entry = entryRequest(options);
      const shares = await piecesThenUnlock(paths, 'Share', unlock);
      const combined = await services.invoke('ceremony:combine-shares', {
        ...entry,
        name: requiredOption(options, 'name'),
        shares,
        names: paths.map((path) => basename(path)),
        ...(options.algorithm ? { algorithm: options.algorithm } : {}),
        ...(options['wrapped-by'] ? { wrappedBy: options['wrapped-by'] } : {}),
      } as never);
      io.out(
        json
          ? `${JSON.stringify(combined, null, 2)}\n`
          : combinedText(combined, paths.length, 'shares'),
      );
      return ExitCode.OK;
    }
    case 'ceremony components split': {
      const keyId = keyOperand(options, operands);
      const outDir = requiredOption(options, 'out-dir');
      await unlock();
      const split = await services.invoke('ceremony:split-components', {
        keyId,
        custodians: listOption(options, 'custodian') ?? [],
        outDir,
      });
      io.out(
        json
          ? `${JSON.stringify(split, null, 2)}\n`
          : [
              `Split key ${split.keyId} into ${split.files.length} XOR components (ceremony ${split.ceremony}); every one is needed to rebuild it.`,
              `Key check value: ${split.kcv}  (${split.kcvWords.join(' ')})${split.legacyKcv ? `; legacy form ${split.legacyKcv}` : ''}`,
              ...split.files.map(
                (f) =>
                  `  component ${f.index} for ${f.custodian} (check value ${f.kcv}${f.legacyKcv ? `; legacy ${f.legacyKcv}` : ''}): ${f.path}`,
              ),
              'Hand each file to its custodian and delete it here; the vault keeps no component.',
              '',
            ].join('\n'),
      );
      return ExitCode.OK;
    }
    case 'ceremony components combine': {
      const paths = filesOption(options, 'component');
      required(paths, 'component');
      const entry = entryRequest(options);
      const components = await piecesThenUnlock(paths, 'Component', unlock);
      const combined = await services.invoke('ceremony:combine-components', {
        ...entry,
        name: requiredOption(options, 'name'),
        components,
        names: paths.map((path) => basename(path)),
        ...(options.kcv ? { kcv: options.kcv } : {}),
        ...(options['wrapped-by'] ? { wrappedBy: options['wrapped-by'] } : {}),
      } as never);
      io.out(
        json
          ? `${JSON.stringify(combined, null, 2)}\n`
          : combinedText(combined, paths.length, 'components'),
      );
      return ExitCode.OK;
    }
    case 'ceremony components enter':
      return enterComponents(options, services, io, unlock);
    default:
      return null;
  }
}

/** Clears the terminal and its scrollback, so the next custodian sees nothing of the last. */
const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

/**
 * `ceremony components enter`: each custodian in turn gives their name, types their component
 * without echo, reads back its check value and confirms it; the screen is cleared before the
 * next. Then the key is entered, its check value checked against --kcv. Every component typed
 * is zeroed by the services call (or here, on the way out).
 */
async function enterComponents(
  options: ParsedOptions,
  services: KeywardenServices,
  io: CliIo,
  unlock: () => Promise<unknown>,
): Promise<number> {
  const count = integerOption(options, 'count');
  const kcv = requiredOption(options, 'kcv');
  const algorithm = options.algorithm ?? 'aes256';
  if (count === undefined || count < 2 || count > 16) {
    throw new KeywardenError(
      ErrorCode.USAGE,
      '--count N takes 2 to 16 components. Run "keywarden --help" for usage.',
    );
  }
  const entry = { ...entryRequest(options), name: requiredOption(options, 'name') };
  await unlock();
  const components: Array<{ custodian: string; value: Buffer }> = [];
  try {
    while (components.length < count) {
      const index = components.length + 1;
      const custodian = await promptLine(`Custodian entering component ${index} of ${count}: `);
      if (components.some((c) => c.custodian.toLowerCase() === custodian.toLowerCase())) {
        io.err(
          `${custodian} has entered a component already: under dual control each custodian enters one.\n`,
        );
        continue;
      }
      const typed = await promptHidden(`Component ${index}, in hex (not shown): `);
      let value: Buffer;
      try {
        value = hexFromTyped(typed);
      } finally {
        typed.fill(0);
      }
      const check = await services.invoke('ceremony:check-component', {
        value: Buffer.from(value),
      });
      io.err(
        `Check value of component ${index}: ${check.kcv}  (${check.kcvWords.join(' ')})${check.legacyKcv ? `; legacy form ${check.legacyKcv}` : ''}\n`,
      );
      const answer = await promptLine(
        'Does it match the check value on your component form? [y/N] ',
      );
      if (answer.toLowerCase() !== 'y') {
        value.fill(0);
        io.err('Component discarded; enter it again.\n');
        continue;
      }
      components.push({ custodian, value });
      io.err(CLEAR_SCREEN);
    }
    const entered = await services.invoke('ceremony:enter-components', {
      ...entry,
      components,
      kcv,
      algorithm,
      ...(options['wrapped-by'] ? { wrappedBy: options['wrapped-by'] } : {}),
    } as never);
    io.out(
      options.json
        ? `${JSON.stringify(entered, null, 2)}\n`
        : `Entered key ${entered.key.id} "${entered.key.name}" from ${count} components.\nCheck value: ${entered.kcv}  (${entered.kcvWords.join(' ')})\n`,
    );
    return ExitCode.OK;
  } finally {
    for (const component of components) component.value.fill(0);
  }
}
