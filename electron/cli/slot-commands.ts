import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { VaultHeader } from '../shared/vault-types.ts';
import type { KeywardenServices } from '../services/services.ts';
import { integerOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';

// The unlock-slot commands: list the slots, add an OS keychain slot, remove a slot. Adding and
// removing need the vault unlocked (with any factor, --keychain included); listing reads the
// public header only.

/** One line per slot, as status and slots list print them. */
export function describeSlots(header: VaultHeader): string[] {
  return header.slots.map((slot) => {
    const kdf = slot.kdf
      ? ` (Argon2id m=${slot.kdf.memoryKiB / 1024} MiB, t=${slot.kdf.iterations}, p=${slot.kdf.parallelism})`
      : '';
    const sealer = slot.sealer ? ` (${slot.sealer})` : '';
    return `  #${slot.slotId} ${slot.kind}${kdf}${sealer}, added ${slot.createdAt}`;
  });
}

/**
 * Runs `keychain add`, `slots list` or `slots remove`; returns null for any other command.
 * `unlock` opens the vault with the command's unlock option. Throws the services' codes and
 * USAGE.
 */
export async function runSlotCommand(
  name: string,
  options: ParsedOptions,
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
    case 'slots remove': {
      const slotId = integerOption(options, 'slot');
      if (slotId === undefined) {
        throw new KeywardenError(
          ErrorCode.USAGE,
          '--slot N is required. Run "keywarden --help" for usage.',
        );
      }
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
