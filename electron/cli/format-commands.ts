import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import { integerOption, listOption, requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';
import { entryRequest, formatKey, readInput, writeOutput } from './inventory-commands.ts';
import { promptHidden, readNewPassphrase, readSecretFile } from './secret-input.ts';

// The commands that move keys and evidence in and out: import, encrypted private export,
// CSRs and certificates, and the CycloneDX CBOM. Passphrases come from files or a prompt
// without echo and are zeroed by the services call (request bytes are zeroed after it).

/** The certificate subject from --common-name and the other subject options. */
function subjectFrom(options: ParsedOptions): Record<string, unknown> {
  return {
    commonName: requiredOption(options, 'common-name'),
    ...(options.organization ? { organization: options.organization } : {}),
    ...(options['organizational-unit']
      ? { organizationalUnit: options['organizational-unit'] }
      : {}),
    ...(options.country ? { country: options.country } : {}),
    ...(options.email ? { email: options.email } : {}),
    ...(options.dns ? { dnsNames: listOption(options, 'dns') } : {}),
  };
}

/** Prints `text` to stdout, or writes it to --out (never replacing a file). */
function emit(options: ParsedOptions, io: CliIo, text: string, what: string): void {
  if (options.out) {
    writeOutput(options.out, Buffer.from(text));
    io.err(`Wrote ${what} to ${options.out}.\n`);
  } else io.out(text);
}

/**
 * Runs an import or export command on the unlocked vault; null for a command that is not
 * one. `reauth` is the vault passphrase this command unlocked with (for export-private).
 * Throws the services' errors and USAGE.
 */
export async function runFormatCommand(
  command: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  services: KeywardenServices,
  io: CliIo,
  reauth: { passphrase: Buffer | null },
): Promise<number | null> {
  const json = options.json === true;
  const warn = (line: string) => io.err(`${line}\n`);
  const id = operands.ID ?? '';
  switch (command) {
    case 'keys import': {
      const file = readInput(requiredOption(options, 'file'));
      const request = {
        ...entryRequest(options),
        file,
        ...(options['secret-algorithm'] ? { secretAlgorithm: options['secret-algorithm'] } : {}),
        ...(options['wrapped-by'] ? { wrappedBy: options['wrapped-by'] } : {}),
      };
      const run = (passphrase?: Buffer) =>
        services.invoke('keys:import', {
          ...request,
          file: Buffer.from(file),
          ...(passphrase ? { passphrase } : {}),
        } as never);
      let key;
      try {
        if (options['key-passphrase-file'] !== undefined) {
          key = await run(readSecretFile(options['key-passphrase-file'], 'key passphrase', warn));
        } else {
          try {
            key = await run();
          } catch (error) {
            // An encrypted key file asks for its passphrase at the terminal, once.
            if (!(error instanceof KeywardenError) || error.code !== ErrorCode.PASSPHRASE_REQUIRED)
              throw error;
            if (!process.stdin.isTTY) throw error;
            key = await run(await promptHidden('Passphrase of the key file: '));
          }
        }
      } finally {
        // The file may hold a plain private key.
        file.fill(0);
      }
      const registry = await services.invoke('people:list', {});
      io.out(
        json ? `${JSON.stringify(key, null, 2)}\n` : `Imported.\n${formatKey(key, registry)}\n`,
      );
      return ExitCode.OK;
    }
    case 'keys export-private': {
      if (!reauth.passphrase) {
        throw new KeywardenError(
          ErrorCode.USAGE,
          'Exporting a private key re-authenticates with the vault passphrase: unlock with --passphrase-file or --passphrase-stdin or at the prompt, not the recovery key.',
        );
      }
      const out = requiredOption(options, 'out');
      const exportPassphrase = await readNewPassphrase(warn, {
        file: options['export-passphrase-file'],
      });
      const { pem } = await services.invoke('keys:export-private', {
        id,
        vaultPassphrase: Buffer.from(reauth.passphrase),
        exportPassphrase,
      });
      writeOutput(out, Buffer.from(pem), 0o600);
      io.out(
        json
          ? `${JSON.stringify({ out })}\n`
          : `Wrote the encrypted private key (PKCS#8) to ${out}; the export is in the audit log.\n`,
      );
      return ExitCode.OK;
    }
    case 'keys csr': {
      const { pem } = await services.invoke('keys:csr', {
        id,
        subject: subjectFrom(options),
        ...(options.pss ? { rsaPadding: 'pss' } : {}),
      } as never);
      emit(options, io, pem, 'the certificate signing request');
      return ExitCode.OK;
    }
    case 'keys certificate': {
      const days = integerOption(options, 'days');
      if (days === undefined) throw new KeywardenError(ErrorCode.USAGE, '--days N is required.');
      const { pem } = await services.invoke('keys:certificate', {
        id,
        subject: subjectFrom(options),
        days,
        ...(options.ca ? { ca: true } : {}),
        ...(options.pss ? { rsaPadding: 'pss' } : {}),
      } as never);
      emit(options, io, pem, 'the certificate');
      return ExitCode.OK;
    }
    case 'inventory export': {
      const format = requiredOption(options, 'format');
      const { document } = await services.invoke('inventory:export', { format } as never);
      emit(options, io, document, 'the CBOM');
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
