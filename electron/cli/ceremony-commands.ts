import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import type { KeyCombineView } from '../shared/ceremony-types.ts';
import { filesOption, integerOption, listOption, requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import { entryRequest } from './inventory-commands.ts';
import type { CliIo } from './main.ts';

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
      const split = await services.invoke('ceremony:split-key', {
        keyId: operands.ID ?? '',
        threshold,
        custodians,
        outDir,
      });
      io.out(
        json
          ? `${JSON.stringify(split, null, 2)}\n`
          : [
              `Split key ${split.keyId}: any ${split.threshold} of ${split.files.length} shares rebuild it (ceremony ${split.ceremony}).`,
              `Check value: ${split.kcv}  (${split.kcvWords.join(' ')})`,
              `Fingerprint: ${split.fingerprint}`,
              `             ${split.fingerprintWords.join(' ')}`,
              ...split.files.map((f) => `  share ${f.index} for ${f.custodian}: ${f.path}`),
              'Hand each file to its custodian and delete it here; the vault keeps no share.',
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
      const outDir = requiredOption(options, 'out-dir');
      await unlock();
      const split = await services.invoke('ceremony:split-components', {
        keyId: operands.ID ?? '',
        custodians: listOption(options, 'custodian') ?? [],
        outDir,
      });
      io.out(
        json
          ? `${JSON.stringify(split, null, 2)}\n`
          : [
              `Split key ${split.keyId} into ${split.files.length} XOR components (ceremony ${split.ceremony}); every one is needed to rebuild it.`,
              `Key check value: ${split.kcv}  (${split.kcvWords.join(' ')})`,
              ...split.files.map(
                (f) =>
                  `  component ${f.index} for ${f.custodian} (check value ${f.kcv}): ${f.path}`,
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
    default:
      return null;
  }
}
