import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import { filesOption, integerOption, listOption, requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import { entryRequest } from './inventory-commands.ts';
import type { CliIo } from './main.ts';

// `ceremony split` and `ceremony combine`: a secret key split among custodians into share
// files, and a key rebuilt from them. Check values and fingerprints are printed in hex and as
// PGP words, for reading aloud.

/** Reads each share file (secret bytes, zeroed by the services call). Throws SHARE_INVALID. */
function readShares(paths: readonly string[]): Buffer[] {
  return paths.map((path) => {
    try {
      return readFileSync(path);
    } catch {
      throw new KeywardenError(ErrorCode.SHARE_INVALID, `Share ${path} cannot be read.`);
    }
  });
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
      if (paths.length === 0) {
        throw new KeywardenError(
          ErrorCode.USAGE,
          '--share FILE is required, once per share. Run "keywarden --help" for usage.',
        );
      }
      const entry = entryRequest(options);
      const shares = readShares(paths);
      try {
        await unlock();
      } catch (error) {
        for (const share of shares) share.fill(0);
        throw error;
      }
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
          : `Rebuilt key ${combined.key.id} "${combined.key.name}" from ${paths.length} shares of ceremony ${combined.ceremony}.\nCheck value: ${combined.kcv}  (${combined.kcvWords.join(' ')})${combined.recorded ? '' : '\nThis vault has no record of the split: the shares came from elsewhere.'}\n`,
      );
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
