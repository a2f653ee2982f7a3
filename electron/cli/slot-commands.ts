import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { VaultHeader } from '../shared/vault-types.ts';
import type { KeywardenServices } from '../services/services.ts';
import { integerOption, requiredOption } from './arguments.ts';
import { readEnrolments, slotFactorKinds, zeroEnrolments } from './slot-enrolment.ts';
import type { ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';

// The unlock-slot commands: list the slots, add an OS keychain slot, remove a slot. Adding and
// removing need the vault unlocked (with any factor, --keychain included); listing reads the
// public header only.

/** A slot's factors in words: "passphrase AND TPM, PCR 7", or "2 of: token A; token B; token C". */
function describeFactors(slot: { factors?: string[]; threshold?: number }): string {
  if (!slot.factors) return '';
  if (slot.threshold !== undefined)
    return ` (${slot.threshold} of ${slot.factors.length}: ${slot.factors.join('; ')})`;
  return ` (${slot.factors.join(' AND ')})`;
}

/** One line per slot, as status and slots list print them. */
export function describeSlots(header: VaultHeader): string[] {
  return header.slots.map((slot) => {
    const kdf = slot.kdf
      ? ` (Argon2id m=${slot.kdf.memoryKiB / 1024} MiB, t=${slot.kdf.iterations}, p=${slot.kdf.parallelism})`
      : '';
    const sealer = slot.sealer ? ` (${slot.sealer})` : '';
    const name = slot.name ? ` "${slot.name}"` : '';
    return `  #${slot.slotId}${name} ${slot.kind}${kdf}${sealer}${describeFactors(slot)}, added ${slot.createdAt}`;
  });
}

function slotOperand(options: ParsedOptions, operands: Record<string, string>): number {
  const raw = operands.ID || options.slot;
  if (raw === undefined || !/^\d{1,7}$/.test(raw) || Number(raw) < 1) {
    throw new KeywardenError(
      ErrorCode.USAGE,
      `A slot id is a number such as 2 ("keywarden slots list" shows them); got "${raw ?? ''}". Run "keywarden --help" for usage.`,
    );
  }
  return Number(raw);
}

/**
 * Runs `keychain add` or `slots list|add|rename|remove`; returns null for any other command.
 * `unlock` opens the vault with the command's unlock options: that unlock is the fresh one slot
 * changes need. Throws the services' codes and USAGE.
 */
export async function runSlotCommand(
  name: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  services: KeywardenServices,
  io: CliIo,
  unlock: () => Promise<unknown>,
): Promise<number | null> {
  const json = options.json === true;
  const vault = options.vault ?? '';
  switch (name) {
    case 'slots list': {
      const header = await services.invoke('vault:read-header', { path: vault });
      io.out(
        json
          ? `${JSON.stringify(header.slots, null, 2)}\n`
          : `Unlock slots of ${header.path}:\n${describeSlots(header).join('\n')}\n`,
      );
      return ExitCode.OK;
    }
    case 'keychain add': {
      await unlock();
      const added = await services.invoke('vault:add-keychain-slot', {});
      io.out(
        json
          ? `${JSON.stringify(added)}\n`
          : `Added keychain slot #${added.slotId} (${added.sealer}): this OS account's keychain now opens the vault with --keychain. Keep another slot: the keychain alone can be lost.\n`,
      );
      return ExitCode.OK;
    }
    case 'slots add': {
      const kinds = slotFactorKinds(options);
      const quorum = integerOption(options, 'quorum');
      if (quorum !== undefined && kinds.length < 2) {
        throw new KeywardenError(
          ErrorCode.USAGE,
          '--quorum K takes several factors (--kind K --with K...). Run "keywarden --help" for usage.',
        );
      }
      if (kinds[0] === 'recovery') {
        await unlock();
        const { slotId, recoveryKey } = services.addRecoveryKey(false);
        io.out(
          json
            ? `${JSON.stringify({ slotId, kind: 'recovery-key', recoveryKey })}\n`
            : `Recovery key (slot #${slotId}); write it down now, it is shown only once:\n\n  ${recoveryKey}\n\n`,
        );
        return ExitCode.OK;
      }
      // The new factors are read (and their options checked) before the unlock: a bad option
      // costs no KDF run and no audit entry, and slow typing cannot outlast the fresh unlock.
      const factors = await readEnrolments(kinds, options, io);
      try {
        await unlock();
      } catch (error) {
        zeroEnrolments(factors);
        throw error;
      }
      const added = await services.invoke('vault:add-slot', {
        factors,
        ...(quorum !== undefined ? { threshold: quorum } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
      });
      io.out(
        json
          ? `${JSON.stringify(added)}\n`
          : `Added unlock slot #${added.slotId} (${added.kind}${describeFactors(added)}); no record was re-encrypted.\n`,
      );
      return ExitCode.OK;
    }
    case 'slots rename': {
      const slotId = slotOperand(options, operands);
      const newName = requiredOption(options, 'name');
      await unlock();
      const renamed = await services.invoke('vault:rename-slot', { slotId, name: newName });
      io.out(
        json ? `${JSON.stringify(renamed)}\n` : `Slot #${slotId} is now named "${newName}".\n`,
      );
      return ExitCode.OK;
    }
    case 'slots remove': {
      const slotId = slotOperand(options, operands);
      await unlock();
      const removed = await services.invoke('vault:remove-slot', { slotId });
      const item =
        removed.keychainItemDeleted === undefined
          ? ''
          : removed.keychainItemDeleted
            ? ' Its keychain item was deleted.'
            : ' Its keychain item was not deleted (the keychain could not be reached, or it belongs to another keeper); it opens nothing without the slot.';
      io.out(
        json
          ? `${JSON.stringify(removed)}\n`
          : `Removed unlock slot #${removed.slotId} (${removed.kind}); no record was re-encrypted.${item}\n`,
      );
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
