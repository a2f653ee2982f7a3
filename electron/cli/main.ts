import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, ExitCode, KeywardenError, exitCodeFor, toErrorInfo } from '../shared/errors.ts';
import type {
  AuditEntry,
  AuditVerification,
  VaultHeader,
  VaultStatus,
} from '../shared/vault-types.ts';
import { KeywardenServices } from '../services/services.ts';
import { osActor, realDeps, realTokens } from '../services/runtime.ts';
import {
  COMMANDS,
  helpText,
  integerOption,
  listOption,
  kdfRequestFrom,
  parseCommandLine,
} from './arguments.ts';
import { hasUnlockOption, readUnlockFactors } from './unlock-options.ts';
import { runInventoryCommand } from './inventory-commands.ts';
import { runLifecycleCommand } from './lifecycle-commands.ts';
import { runFormatCommand } from './format-commands.ts';
import { runTokenCommand } from './token-commands.ts';
import { runSettingsCommand } from './settings-commands.ts';
import { runCeremonyCommand } from './ceremony-commands.ts';
import { runCeremonyRunCommand } from './ceremony-run-commands.ts';
import { describeSlots, runSlotCommand } from './slot-commands.ts';
import { readNewPassphrase, readStdinLines } from './secret-input.ts';

// The `keywarden` command line over services/. Secrets come only from files, stdin or a
// prompt without echo; every buffer that held one is zeroed by the services call that used
// it (KeywardenServices.invoke zeroes request bytes) or here.

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const warnTo = (io: CliIo) => (line: string) => io.err(`${line}\n`);

function formatHeader(header: VaultHeader): string {
  return [
    `Vault:          ${header.path}`,
    `Vault id:       ${header.vaultId}`,
    `Format version: ${header.formatVersion}`,
    `Created:        ${header.createdAt}`,
    'Unlock slots:',
    ...describeSlots(header),
  ].join('\n');
}

function formatAudit(entries: AuditEntry[]): string {
  return entries
    .map(
      (e) =>
        `#${e.seq} ${e.at} ${e.actor} ${e.action} ${e.target} ${e.outcome}${Object.keys(e.detail).length ? ' ' + JSON.stringify(e.detail) : ''}`,
    )
    .join('\n');
}

function formatVerification(result: AuditVerification): string {
  if (!result.intact)
    return `Audit chain BROKEN at entry #${result.firstBad?.seq}: ${result.firstBad?.reason}`;
  const checkpoint =
    result.checkpoint === 'verified'
      ? `checkpoint at #${result.checkpointSeq} verified${result.uncheckpointed ? `; ${result.uncheckpointed} later failed unlock attempt(s) recorded while locked` : ''}`
      : result.checkpoint === 'missing'
        ? 'no checkpoint yet'
        : 'checkpoint not checked (vault locked; pass an unlock option to check it)';
  return `Audit chain intact: ${result.entries} entries; ${checkpoint}.`;
}

/** The version in the project's package.json, found by walking up from this module (source or dist/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'keywarden' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** Runs one command line; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const { command, options, operands } = parseCommandLine(argv);
    if (options.version) {
      io.out(`keywarden ${packageVersion()}\n`);
      return ExitCode.OK;
    }
    if (!command || options.help) {
      io.out(`${helpText()}\n`);
      return command || options.help ? ExitCode.OK : ExitCode.USAGE;
    }
    const vault = options.vault ?? '';
    const json = options.json === true;
    const services = new KeywardenServices({
      deps: realDeps({
        ...(options['tpm-tcti'] !== undefined ? { tpmTcti: options['tpm-tcti'] } : {}),
        onTokenProgress: (progress) => {
          if (progress === 'touch-needed') io.err('Touch your security key…\n');
        },
      }),
      openTokens: realTokens(listOption(options, 'module') ?? []),
      actor: options.actor ?? osActor(),
      appVersion: packageVersion(),
      onProgress: (progress) => {
        if (!json)
          io.err(
            `Calibrated Argon2id on this machine: ${progress.iterations} iterations (probe took ${Math.round(progress.elapsedMs)} ms).\n`,
          );
      },
      onEvent: (event) => {
        // Progress goes to stderr, so --json output on stdout stays one document.
        if (event.name === 'keys:rewrap-progress') {
          const { done, total, kek } = event.payload;
          io.err(`Rewrapped ${done} of ${total} data key(s) of ${kek}.\n`);
        }
      },
    });
    const unlockOptionGiven = hasUnlockOption(options, command);
    // Exporting a private key re-authenticates with the vault passphrase: the one this
    // command unlocked with, kept for that call only and zeroed when the command ends.
    const reauth: { passphrase: Buffer | null } = { passphrase: null };
    const unlock = async (stdinLine?: Buffer) => {
      const slotId = integerOption(options, 'unlock-slot');
      const factors = await readUnlockFactors(options, command, vault, io, stdinLine);
      const passphrase = factors.find((factor) => factor.kind === 'passphrase');
      if (command.words.join(' ') === 'keys export-private' && passphrase)
        reauth.passphrase = Buffer.from(passphrase.passphrase);
      return services.invoke('vault:unlock', {
        path: vault,
        factors,
        ...(slotId !== undefined ? { slotId } : {}),
      });
    };
    try {
      switch (command.words.join(' ')) {
        case 'init': {
          const kdf = kdfRequestFrom(options);
          const passphrase = await readNewPassphrase(warnTo(io), {
            file: options['passphrase-file'],
            stdin: options['passphrase-stdin'],
          });
          if (kdf?.iterations === undefined) io.err('Calibrating Argon2id on this machine…\n');
          const header = await services.invoke('vault:init', {
            path: vault,
            passphrase,
            ...(kdf ? { kdf } : {}),
          });
          io.out(
            json
              ? `${JSON.stringify(header, null, 2)}\n`
              : `Created a new vault.\n${formatHeader(header)}\n`,
          );
          return ExitCode.OK;
        }
        case 'status': {
          if (!unlockOptionGiven) {
            const header = await services.invoke('vault:read-header', { path: vault });
            io.out(
              json
                ? `${JSON.stringify({ header, locked: true }, null, 2)}\n`
                : `${formatHeader(header)}\nLocked: pass an unlock option to authenticate the file and count records.\n`,
            );
            return ExitCode.OK;
          }
          await unlock();
          const status: VaultStatus = await services.invoke('vault:verify', {});
          const counts = Object.entries(status.records);
          io.out(
            json
              ? `${JSON.stringify({ ...status, locked: false }, null, 2)}\n`
              : `${formatHeader(status.header)}\nAuthenticated: header, ${status.authenticated} record(s) and ${status.auditEntries} audit entries.\nRecords:${counts.length ? '' : ' none'}\n${counts.map(([name, n]) => `  ${name}: ${n}`).join('\n')}\n`,
          );
          return ExitCode.OK;
        }
        case 'passphrase change': {
          const bothOnStdin =
            options['passphrase-stdin'] === true && options['new-passphrase-stdin'] === true;
          const lines = bothOnStdin ? await readStdinLines(2) : [];
          await unlock(lines[0]);
          const newPassphrase = await readNewPassphrase(warnTo(io), {
            file: options['new-passphrase-file'],
            stdin: options['new-passphrase-stdin'],
            ...(lines[1] ? { stdinLine: lines[1] } : {}),
          });
          const kdf = kdfRequestFrom(options);
          const result = await services.invoke('vault:change-passphrase', {
            newPassphrase,
            ...(kdf ? { kdf } : {}),
          });
          io.out(
            json
              ? `${JSON.stringify(result)}\n`
              : `Passphrase changed (slot #${result.slotId}); no record was re-encrypted.\n`,
          );
          return ExitCode.OK;
        }
        case 'recovery-key add': {
          await unlock();
          const { slotId, recoveryKey } = services.addRecoveryKey(options.replace === true);
          io.out(
            json
              ? `${JSON.stringify({ slotId, recoveryKey })}\n`
              : `Recovery key (slot #${slotId}). Write it down now and keep it offline; it is shown only this once:\n\n    ${recoveryKey}\n\n`,
          );
          return ExitCode.OK;
        }
        case 'audit verify': {
          if (unlockOptionGiven) await unlock();
          const result = await services.invoke(
            'audit:verify',
            unlockOptionGiven ? {} : { path: vault },
          );
          io.out(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatVerification(result)}\n`);
          if (!result.intact) {
            throw new KeywardenError(
              ErrorCode.AUDIT_CHAIN_BROKEN,
              `The audit chain is broken at entry #${result.firstBad?.seq}: ${result.firstBad?.reason}.`,
            );
          }
          return ExitCode.OK;
        }
        case 'audit list': {
          const after = integerOption(options, 'after');
          const limit = integerOption(options, 'limit');
          const entries = await services.invoke('audit:list', {
            path: vault,
            ...(after !== undefined ? { afterSeq: after } : {}),
            ...(limit !== undefined ? { limit } : {}),
          });
          io.out(json ? `${JSON.stringify(entries, null, 2)}\n` : `${formatAudit(entries)}\n`);
          return ExitCode.OK;
        }
        default: {
          const name = command.words.join(' ');
          // Commands that unlock the vault themselves, once their own options are checked.
          for (const runCommand of [runSlotCommand, runCeremonyCommand, runCeremonyRunCommand]) {
            const code = await runCommand(name, options, operands, services, io, unlock);
            if (code !== null) return code;
          }
          const settingsCode = runSettingsCommand(name, options, operands, io);
          if (settingsCode !== null) return settingsCode;
          const tokenCode = await runTokenCommand(name, options, services, io);
          if (tokenCode !== null) return tokenCode;
          await unlock();
          const code =
            (await runInventoryCommand(name, options, operands, services, io)) ??
            (await runLifecycleCommand(name, options, operands, services, io)) ??
            (await runFormatCommand(name, options, operands, services, io, reauth));
          if (code !== null) return code;
          throw new KeywardenError(
            ErrorCode.USAGE,
            `Unknown command; known: ${COMMANDS.map((c) => c.words.join(' ')).join(', ')}.`,
          );
        }
      }
    } finally {
      reauth.passphrase?.fill(0);
      // Locks the vault and finalises the PKCS#11 modules.
      await services.dispose();
    }
  } catch (error) {
    const info = toErrorInfo(error);
    io.err(`error [${info.code}]: ${info.message}\n`);
    if (debug && error instanceof Error)
      io.err(
        `${error.stack ?? ''}\n${error.cause instanceof Error ? `caused by: ${error.cause.stack ?? ''}\n` : ''}`,
      );
    return exitCodeFor(info.code);
  }
}
