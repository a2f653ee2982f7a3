import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import type { KeywardenServices } from '../services/services.ts';
import { integerOption, listOption, requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';
import { entryRequest, formatKey, readInput } from './inventory-commands.ts';

// The commands that change what the inventory holds after a key is in it, or bring in one
// that lives elsewhere: edit, rotate, rewrap, register; and the policy editor.

function parseJsonFile(path: string): unknown {
  try {
    return JSON.parse(readInput(path).toString('utf8')) as unknown;
  } catch (error) {
    if (error instanceof KeywardenError) throw error;
    throw new KeywardenError(ErrorCode.POLICY_INVALID, `${path} is not JSON; nothing was changed.`);
  }
}

/** The location a registered key lives at, from --token-serial/--cka-id or --reference. Throws USAGE. */
function locationFrom(options: ParsedOptions): Record<string, string> {
  const token = options['token-serial'] !== undefined || options['cka-id'] !== undefined;
  if (token === (options.reference !== undefined)) {
    throw new KeywardenError(
      ErrorCode.USAGE,
      'Give --token-serial S --cka-id HEX for a token key, or --reference REF for one held elsewhere.',
    );
  }
  return token
    ? {
        kind: 'token',
        serial: requiredOption(options, 'token-serial'),
        ckaId: requiredOption(options, 'cka-id').toLowerCase(),
      }
    : { kind: 'external', reference: requiredOption(options, 'reference') };
}

/**
 * Runs a lifecycle command on the unlocked vault; null for a command that is not one.
 * Throws the services' errors and USAGE.
 */
export async function runLifecycleCommand(
  command: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  services: KeywardenServices,
  io: CliIo,
): Promise<number | null> {
  const json = options.json === true;
  const print = (value: unknown, text: () => string) =>
    io.out(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
  const id = operands.ID ?? '';
  switch (command) {
    case 'policy set': {
      const table = await services.invoke('policy:set', {
        table: parseJsonFile(requiredOption(options, 'file')),
      });
      print(table, () => `The vault's crypto-period policy now has ${table.rows.length} rows.`);
      return ExitCode.OK;
    }
    case 'policy reset': {
      const table = await services.invoke('policy:reset', {});
      print(table, () => `The vault uses the shipped policy again (${table.source}).`);
      return ExitCode.OK;
    }
    case 'keys update': {
      const tier = integerOption(options, 'tier');
      const key = await services.invoke('keys:update', {
        id,
        reason: requiredOption(options, 'reason'),
        ...(options.name ? { name: options.name } : {}),
        ...(options.owner ? { owner: options.owner } : {}),
        ...(options.custodian ? { custodians: listOption(options, 'custodian') ?? [] } : {}),
        ...(options.environment ? { environment: options.environment } : {}),
        ...(options.classification ? { classification: options.classification } : {}),
        ...(tier !== undefined ? { tier } : {}),
        ...(options.label ? { labels: listOption(options, 'label') ?? [] } : {}),
        ...(options.notes !== undefined ? { notes: options.notes } : {}),
      });
      const changed = Object.keys(key.changes.at(-1)?.fields ?? {});
      print(key, () => `Updated ${key.id}: ${changed.join(', ')}.`);
      return ExitCode.OK;
    }
    case 'keys rotate': {
      const publishDays = integerOption(options, 'publish-days');
      const result = await services.invoke('keys:rotate', {
        id,
        ...(options.reason ? { reason: options.reason } : {}),
        ...(publishDays !== undefined ? { publishDays } : {}),
      });
      const registry = await services.invoke('people:list', {});
      print(result, () =>
        [
          `Rotated ${result.predecessor.id} (now ${result.predecessor.state}) to version ${result.key.version}:`,
          formatKey(result.key, registry),
          ...(result.predecessor.publishedUntil
            ? [
                `${result.predecessor.id} stays published until ${result.predecessor.publishedUntil}.`,
              ]
            : []),
          ...(result.rewrapped ? [`Rewrapped ${result.rewrapped} data key(s).`] : []),
          ...(result.rewrapPending
            ? [
                `${result.rewrapPending} data key(s) are still under the old version; run "keywarden keys rewrap ${result.key.id}".`,
              ]
            : []),
        ].join('\n'),
      );
      return ExitCode.OK;
    }
    case 'keys rewrap': {
      const result = await services.invoke('keys:rewrap', { id });
      print(result, () =>
        result.rewrapped
          ? `Rewrapped ${result.rewrapped} data key(s) under ${result.kek}.`
          : `Nothing to rewrap: every data key is under ${result.kek}.`,
      );
      return ExitCode.OK;
    }
    case 'keys register': {
      const key = await services.invoke('keys:register', {
        ...entryRequest(options),
        name: requiredOption(options, 'name'),
        location: locationFrom(options),
        ...(options.algorithm ? { algorithm: options.algorithm } : {}),
        ...(options['public-key'] ? { publicKeyFile: readInput(options['public-key']) } : {}),
      } as never);
      const registry = await services.invoke('people:list', {});
      print(key, () => `Registered.\n${formatKey(key, registry)}`);
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
