import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ErrorCode, ExitCode, KeywardenError } from '../shared/errors.ts';
import { KEY_STATES } from '../shared/inventory-types.ts';
import type { KeyState, KeyView, PersonView, PolicyTable } from '../shared/inventory-types.ts';
import type { KeywardenServices } from '../services/services.ts';
import { daysOption, filesOption, integerOption, listOption, requiredOption } from './arguments.ts';
import type { ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';
import { promptHidden } from './secret-input.ts';
import { readPin } from './token-commands.ts';
import { reserveOutputs, whyNot } from '../services/output-files.ts';

// The inventory commands: people, policy and keys. The vault is already unlocked.

/** Reads a (non-secret) input file. Throws BAD_REQUEST naming it. */
export function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, `Cannot read ${path}.`);
  }
}

/** Writes an output file, refusing to replace one (0600 for anything private). Throws BAD_REQUEST. */
export function writeOutput(path: string, bytes: Uint8Array, mode = 0o644): void {
  try {
    writeFileSync(path, bytes, { flag: 'wx', mode });
  } catch (error) {
    throw new KeywardenError(ErrorCode.BAD_REQUEST, `Cannot write ${path} (${whyNot(error)}).`);
  }
}

/**
 * Where each file's signature goes with --out-dir: DIR/NAME.sig. Checked before anything is
 * signed: two files with one name, an existing signature, or --out beside --out-dir are
 * USAGE or BAD_REQUEST.
 */
function signaturePaths(inputs: string[], dir: string, out: unknown): string[] {
  if (out !== undefined) {
    throw new KeywardenError(ErrorCode.USAGE, 'Several files take --out-dir DIR, not --out.');
  }
  const paths = inputs.map((input) => join(dir, `${basename(input)}.sig`));
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) {
      throw new KeywardenError(
        ErrorCode.USAGE,
        `Two files would both sign to ${path}; sign them in separate runs.`,
      );
    }
    seen.add(path);
    if (existsSync(path)) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `${path} already exists; nothing was signed.`,
      );
    }
  }
  return paths;
}

function formatPeople(people: PersonView[]): string {
  if (people.length === 0) return 'No people registered yet.';
  return people.map((p) => `${p.id}  ${p.name}  (${p.roles.join(', ')})`).join('\n');
}

function formatPolicy(table: PolicyTable): string {
  const months = (n: number | null) => (n === null ? '—' : `${n} months`);
  return [
    table.source,
    '',
    ...table.rows.map(
      (row) =>
        `${String(row.nistRow).padStart(2)}. ${row.title.padEnd(36)} originator ${months(row.originatorMonths).padEnd(10)} recipient +${row.recipientExtraMonths} months  (${row.guidance})`,
    ),
  ].join('\n');
}

export function personName(people: PersonView[], id: string): string {
  return people.find((p) => p.id === id)?.name ?? id;
}

function formatKeyLine(key: KeyView, people: PersonView[]): string {
  const ends = (key.cryptoPeriod.originatorUsageEnd ?? key.cryptoPeriod.recipientUsageEnd).slice(
    0,
    10,
  );
  return `${key.id}  ${key.name}  ${key.algorithm}  ${key.state}  tier ${key.tier}  owner ${personName(people, key.owner)}  use ends ${ends}`;
}

export function formatKey(key: KeyView, people: PersonView[]): string {
  return [
    `Key:            ${key.id}  ${key.name}`,
    `Algorithm:      ${key.algorithm} (${key.sizeBits} bits)`,
    `Purposes:       ${key.purposes.join(', ')}`,
    `State:          ${key.state}`,
    `Tier:           ${key.tier}   Environment: ${key.environment}   Classification: ${key.classification}`,
    `Owner:          ${personName(people, key.owner)}`,
    `Custodians:     ${key.custodians.map((id) => personName(people, id)).join(', ') || 'none'}`,
    `Location:       ${formatLocation(key)}`,
    `Version:        ${key.version} of ${key.lineage}${key.predecessor ? `, after ${key.predecessor}` : ''}${key.successor ? `; succeeded by ${key.successor}` : ''}`,
    ...(key.publishedUntil ? [`Published until: ${key.publishedUntil}`] : []),
    ...(key.labels.length ? [`Labels:         ${key.labels.join(', ')}`] : []),
    ...(key.notes ? [`Notes:          ${key.notes}`] : []),
    `Fingerprint:    ${key.fingerprint ?? '(secret key)'}`,
    `Policy row:     ${key.cryptoPeriod.policyRow}`,
    `Originator use: until ${key.cryptoPeriod.originatorUsageEnd ?? '— (no originator use)'}`,
    `Recipient use:  until ${key.cryptoPeriod.recipientUsageEnd}`,
    ...(key.destruction
      ? [
          `Destruction:    authorised by ${personName(people, key.destruction.authorisedBy)}, witness ${personName(people, key.destruction.witness)}, not before ${key.destruction.notBefore}` +
            (key.destruction.performedAt
              ? `; performed ${key.destruction.performedAt} by ${personName(people, key.destruction.performedBy ?? '')} (${key.destruction.method})`
              : ''),
        ]
      : []),
    'History:',
    ...key.history.map((h) => `  ${h.at}  ${h.from ?? '—'} -> ${h.to}  by ${h.by}: ${h.reason}`),
    ...(key.changes.length
      ? [
          'Changes:',
          ...key.changes.map(
            (c) => `  ${c.at}  ${Object.keys(c.fields).join(', ')}  by ${c.by}: ${c.reason}`,
          ),
        ]
      : []),
  ].join('\n');
}

function formatLocation(key: KeyView): string {
  const where = key.location;
  if (where.kind === 'token') {
    const presence =
      key.tokenPresent === undefined ? '' : key.tokenPresent ? ' (attached)' : ' (token absent)';
    const born = key.provenance?.onDeviceGenerated
      ? '; generated on the device, never extractable'
      : '';
    return `token ${where.serial}, CKA_ID ${where.ckaId}${presence}${born}`;
  }
  if (where.kind === 'external') return where.reference;
  if (key.publicOnly) return 'vault (public key only)';
  return key.wrappedBy ? `vault, wrapped under ${key.wrappedBy}` : 'vault';
}

/** The fields of a new key's entry from the command line (the contract checks the values). */
export function entryRequest(options: ParsedOptions): Record<string, unknown> {
  const tier = integerOption(options, 'tier');
  return {
    ...(options.name ? { name: options.name } : {}),
    purposes: listOption(options, 'purpose') ?? [],
    owner: requiredOption(options, 'owner'),
    ...(options.custodian ? { custodians: listOption(options, 'custodian') } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.classification ? { classification: options.classification } : {}),
    ...(tier !== undefined ? { tier } : {}),
    ...(options.label ? { labels: listOption(options, 'label') } : {}),
    ...(options.notes !== undefined ? { notes: options.notes } : {}),
    ...(options['pre-activation'] ? { preActivation: true } : {}),
  };
}

/** --offset and --limit, for a page of a long list. */
function pageOf(options: ParsedOptions): { offset?: number; limit?: number } {
  const offset = integerOption(options, 'offset');
  const limit = integerOption(options, 'limit');
  return {
    ...(offset !== undefined ? { offset } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

function stateOption(options: ParsedOptions, name: 'state' | 'to'): KeyState | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  if (!(KEY_STATES as readonly string[]).includes(raw)) {
    throw new KeywardenError(
      ErrorCode.USAGE,
      `--${name} takes one of ${KEY_STATES.join(', ')}; got "${raw}".`,
    );
  }
  return raw as KeyState;
}

/**
 * Runs an inventory command on the unlocked vault; returns null for a command that is not
 * one of them. Throws the services' errors and USAGE.
 */
export async function runInventoryCommand(
  command: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  services: KeywardenServices,
  io: CliIo,
): Promise<number | null> {
  const json = options.json === true;
  /** --final-try: a token login may spend the PIN's last try. */
  const finalTry = options['final-try'] === true ? { acceptFinalTry: true } : {};
  const print = (value: unknown, text: () => string) =>
    io.out(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
  const people = () => services.invoke('people:list', {});
  switch (command) {
    case 'people add': {
      const person = await services.invoke('people:add', {
        name: requiredOption(options, 'name'),
        roles: listOption(options, 'role') ?? [],
      } as never);
      print(
        person,
        () => `Registered ${person.name} (${person.id}) as ${person.roles.join(', ')}.`,
      );
      return ExitCode.OK;
    }
    case 'people list': {
      const list = await people();
      print(list, () => formatPeople(list));
      return ExitCode.OK;
    }
    case 'policy show': {
      const table = await services.invoke('policy:show', {});
      print(table, () => formatPolicy(table));
      return ExitCode.OK;
    }
    case 'keys generate': {
      const request = {
        ...entryRequest(options),
        name: requiredOption(options, 'name'),
        algorithm: requiredOption(options, 'algorithm'),
        ...(options['wrapped-by'] ? { wrappedBy: options['wrapped-by'] } : {}),
        ...(options.token
          ? {
              token: {
                serial: options.token,
                pin: await readPin(options, 'pin-file', 'PIN', io),
                ...finalTry,
              },
            }
          : {}),
      };
      // The contract validates the values (algorithm, purposes) and says which is wrong.
      const key = await services.invoke('keys:generate', request as never);
      const registry = await people();
      print(key, () => `Generated.\n${formatKey(key, registry)}`);
      return ExitCode.OK;
    }
    case 'keys list': {
      const state = stateOption(options, 'state');
      const due = daysOption(options, 'due-within');
      const keys = await services.invoke('keys:list', {
        ...(state ? { state } : {}),
        ...(options.owner ? { owner: options.owner } : {}),
        ...(due !== undefined ? { dueWithinDays: due } : {}),
        ...(options.published ? { published: true } : {}),
        ...pageOf(options),
      });
      const registry = await people();
      print(keys, () =>
        keys.length ? keys.map((key) => formatKeyLine(key, registry)).join('\n') : 'No keys match.',
      );
      return ExitCode.OK;
    }
    case 'keys show': {
      const key = await services.invoke('keys:show', { id: operands.ID ?? '' });
      const registry = await people();
      print(key, () => formatKey(key, registry));
      return ExitCode.OK;
    }
    case 'keys transition': {
      const to = stateOption(options, 'to');
      if (!to) throw new KeywardenError(ErrorCode.USAGE, '--to STATE is required.');
      const key = await services.invoke('keys:transition', {
        id: operands.ID ?? '',
        to,
        reason: requiredOption(options, 'reason'),
      });
      print(key, () => `${key.id} is now ${key.state}.`);
      return ExitCode.OK;
    }
    case 'keys sign': {
      const inputs = filesOption(options, 'in');
      if (inputs.length === 0) throw new KeywardenError(ErrorCode.USAGE, '--in is required.');
      // One file: --out names its signature. Several: each goes to DIR/NAME.sig.
      const outputs =
        inputs.length === 1 && !options['out-dir']
          ? [requiredOption(options, 'out')]
          : signaturePaths(inputs, requiredOption(options, 'out-dir'), options.out);
      const messages = inputs.map((path) => readInput(path));
      // The services zero every byte array a call carried: each attempt gets its own copies.
      const sign = (pin?: Buffer) =>
        services.invoke('keys:sign-many', {
          id: operands.ID ?? '',
          data: messages.map((message) => Buffer.from(message)),
          ...(options.pss ? { rsaPadding: 'pss' as const } : {}),
          ...(pin ? { pin, ...finalTry } : {}),
        });
      // Every signature file is created before anything is signed, and removed again if the
      // signing fails: a run leaves all of them or none.
      const files = reserveOutputs(outputs, { what: 'signature', mode: 0o644 });
      let signed;
      try {
        if (options['pin-file']) signed = await sign(await readPin(options, 'pin-file', 'PIN', io));
        else {
          try {
            signed = await sign();
          } catch (error) {
            // A key on a token asks for its PIN at the terminal.
            if (!(error instanceof KeywardenError) || error.code !== ErrorCode.PIN_REQUIRED)
              throw error;
            if (!process.stdin.isTTY) throw error;
            signed = await sign(await promptHidden('Token PIN: '));
          }
        }
      } catch (error) {
        files.abandon();
        throw error;
      }
      const { signatures } = signed;
      files.write(signatures);
      const written = signatures.map((signature, index) => ({
        signature: outputs[index],
        bytes: signature.length,
      }));
      print(written.length === 1 ? written[0] : written, () =>
        signatures.length === 1
          ? `Signed: ${signatures[0]?.length}-byte signature written to ${outputs[0]}.`
          : `Signed ${signatures.length} files; signatures written to ${options['out-dir']}.`,
      );
      return ExitCode.OK;
    }
    case 'keys verify': {
      const { valid } = await services.invoke('keys:verify', {
        id: operands.ID ?? '',
        data: readInput(requiredOption(options, 'in')),
        signature: readInput(requiredOption(options, 'signature')),
        ...(options.pss ? { rsaPadding: 'pss' as const } : {}),
      });
      if (!valid)
        throw new KeywardenError(
          ErrorCode.SIGNATURE_INVALID,
          'The signature does not verify with this key.',
        );
      print({ valid }, () => 'The signature verifies.');
      return ExitCode.OK;
    }
    case 'keys export-public': {
      const format = requiredOption(options, 'format');
      const { text } = await services.invoke('keys:export-public', {
        id: operands.ID ?? '',
        format,
      } as never);
      if (options.out) writeOutput(options.out, Buffer.from(text));
      else io.out(text);
      return ExitCode.OK;
    }
    case 'keys destroy': {
      const afterDays = integerOption(options, 'after-days');
      const key = await services.invoke('keys:destroy', {
        id: operands.ID ?? '',
        authorisedBy: requiredOption(options, 'authorised-by'),
        witness: requiredOption(options, 'witness'),
        ...(afterDays !== undefined ? { afterDays } : {}),
        ...(options['pin-file']
          ? { pin: await readPin(options, 'pin-file', 'PIN', io), ...finalTry }
          : {}),
      });
      print(key, () =>
        key.state === 'destruction-pending'
          ? `${key.id} will be destroyable after ${key.destruction?.notBefore}; "keys cancel-destroy" stops it.`
          : `${key.id} is ${key.state}: its material is gone; the destruction record remains.`,
      );
      return ExitCode.OK;
    }
    case 'keys cancel-destroy': {
      const key = await services.invoke('keys:cancel-destroy', { id: operands.ID ?? '' });
      print(key, () => `${key.id} is ${key.state} again; its destruction was cancelled.`);
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
