import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DetailValue } from '../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { KeyView } from '../shared/inventory-types.ts';
import { Outcome } from '../core/audit/audit-log.ts';
import { appendEntry, readCeremony, saveCeremony } from '../core/ceremony/ceremony-state.ts';
import type { CeremonyState } from '../core/ceremony/ceremony-state.ts';
import type { CeremonyStep } from '../core/ceremony/ceremony-templates.ts';
import type { RecordStore } from '../core/vault/record-store.ts';
import { withRider } from '../core/vault/transaction-riders.ts';
import { asFreshlyAuthenticated } from '../core/vault/fresh-authentication.ts';
import { destructionIsDue } from '../core/inventory/key-destruction.ts';
import { readKey } from '../core/inventory/key-inventory.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import type { CallChannel } from './ceremony-run-handlers.ts';
import { whyNot } from './output-files.ts';
import { writePemBlock } from '../core/inventory/key-file-text.ts';
import {
  isKeyView,
  keyDetail,
  list,
  presenceOf,
  secretKcv,
  splitFolder,
  text,
} from './ceremony-action-entries.ts';

// What the vault does at a ceremony's action step, through the same channels the app calls.
// Where the action changes the vault (a key generated, entered, rotated or destroyed), the
// step's transcript entry rides in the very transaction that makes the change, so a crash
// leaves both or neither. A split changes nothing in the vault but files: its files go into
// a folder of the ceremony's own, recorded as pending first, so a run interrupted before the
// step is recorded is cleared and redone on resume.

/** What one participant gives an action step: secret bytes, zeroed once the action has run. */
export interface ActionInput {
  share?: Uint8Array | undefined;
  component?: Uint8Array | undefined;
  pin?: Uint8Array | undefined;
  soPin?: Uint8Array | undefined;
}
export type Contributions = Map<string, ActionInput>;

export interface ActionContext {
  vault: UnlockedVault;
  deps: VaultDeps;
  actor: string;
  call: CallChannel;
  state: CeremonyState;
  step: CeremonyStep;
  contributions: Contributions;
  /** How each contributor proved presence, in the order they came (what the entry records). */
  proofs: ReadonlyMap<string, Record<string, DetailValue>>;
}

/** Makes a split's own folder (its parent must exist), owner-only. Throws BAD_REQUEST. */
function makeFolder(folder: string): void {
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `Cannot make the folder ${folder} for the share files (${whyNot(error)}).`,
    );
  }
}

/**
 * Removes what an action recorded as pending and never finished left in its folders (share
 * files of a split that was not recorded). Returns how many files went.
 */
export function clearPendingFiles(state: CeremonyState): number {
  let removed = 0;
  for (const folder of state.pending?.paths ?? []) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)) {
      rmSync(join(folder, name), { force: true });
      removed += 1;
    }
  }
  return removed;
}

/**
 * Runs the action of the step due and records it; returns the ceremony's new state. Throws
 * whatever the action's channel throws (nothing is recorded then), CEREMONY_STATE_INVALID.
 */
export async function runCeremonyAction(ctx: ActionContext): Promise<CeremonyState> {
  const { state, step, call, vault, deps } = ctx;
  const p = state.header.parameters;
  const named = (role: string) =>
    state.header.participants.filter((x) => x.role === role).map((x) => x.name);
  const [administrator] = named('administrator');
  const custodians = named('custodian');
  const input = (name: string | undefined) =>
    (name ? ctx.contributions.get(name) : undefined) ?? {};
  const by = step.by?.includes('administrator') ? (administrator ?? null) : null;

  /** The step's entry, written into `records` inside whichever transaction carries it. */
  const commit = (records: RecordStore, detail: Record<string, DetailValue>): CeremonyState =>
    appendEntry(
      records,
      state,
      deps.now(),
      {
        step: step.id,
        event: 'action',
        by,
        detail: { action: step.action ?? '', ...detail, ...presenceOf(ctx.proofs) },
      },
      true,
    );
  const event = {
    actor: ctx.actor,
    action: 'ceremony.action',
    target: state.header.ceremony,
    outcome: Outcome.SUCCESS,
    detail: { step: step.id },
  };
  /** Commits on its own: for an action that made no transaction of its own. */
  const alone = (detail: Record<string, DetailValue>) =>
    vault.apply(event, (records) => commit(records, detail));

  /** Runs `work` with the step's entry riding on its first transaction. */
  /**
   * Runs `work` with the step's entry riding on the transaction that enters, rotates or
   * destroys the key: the first whose change returns a key that `final` accepts.
   */
  const riding = async (
    work: () => Promise<unknown>,
    describe: (records: RecordStore, value: KeyView) => Record<string, DetailValue>,
    final: (key: KeyView) => boolean = () => true,
  ) => {
    let committed: CeremonyState | null = null;
    const { carried } = await withRider(
      (records, value) => {
        committed = commit(records, describe(records, value as KeyView));
      },
      work,
      (value) => isKeyView(value) && final(value),
    );
    if (!carried || !committed)
      throw new KeywardenError(ErrorCode.INTERNAL, 'The action recorded nothing.');
    return committed as CeremonyState;
  };

  // A key born or rebuilt in a ceremony has the ceremony's custodians as its custodians.
  const entryFields = () => ({
    name: text(p.name) ?? '',
    purposes: list(p.purposes),
    owner: text(p.owner) ?? '',
    ...(custodians.length > 0 ? { custodians } : {}),
    ...(typeof p.tier === 'number' ? { tier: p.tier } : {}),
  });

  switch (step.action) {
    case 'generate-key': {
      const token = text(p.token);
      const fields = { ...entryFields(), algorithm: text(p.algorithm) };
      if (!token)
        return riding(
          () => call('keys:generate', fields),
          (_r, key) => keyDetail(key),
        );
      const pin = input(administrator).pin;
      if (!pin)
        throw new KeywardenError(
          ErrorCode.PIN_REQUIRED,
          `The key is generated on token ${token}: the administrator gives its PIN.`,
        );
      // The CKA_ID is chosen and recorded before the token makes the key. A run interrupted
      // after the token made it but before the vault recorded it left that key on the token:
      // the resumed run enters that key rather than making a second one beside it.
      const planned = state.pending?.step === step.id ? state.pending.ckaId : undefined;
      if (planned) {
        const objects = await call('tokens:objects', { serial: token, pin });
        const made = objects.find((o) => o.id === planned && o.publicKey);
        if (made?.publicKey) {
          const pem = writePemBlock('PUBLIC KEY', Buffer.from(made.publicKey, 'base64'));
          return riding(
            () =>
              call('keys:register', {
                ...entryFields(),
                algorithm: text(p.algorithm),
                location: { kind: 'token', serial: token, ckaId: planned },
                publicKeyFile: Buffer.from(pem),
              }),
            (_records, key) => ({ ...keyDetail(key), recovered: true }),
          );
        }
      }
      const ckaId = randomBytes(16).toString('hex');
      vault.apply({ ...event, action: 'ceremony.action-begun' }, (records) =>
        saveCeremony(records, {
          ...readCeremony(records, state.header.ceremony),
          pending: { step: step.id, paths: [], ckaId },
        }),
      );
      return riding(
        () => call('keys:generate', { ...fields, token: { serial: token, pin, ckaId } }),
        (_records, key) => keyDetail(key),
      );
    }
    case 'combine-shares': {
      const shares = custodians.map((name) => input(name).share);
      if (shares.some((s) => !s))
        throw new KeywardenError(
          ErrorCode.QUORUM_NOT_MET,
          'Every custodian present gives their share.',
        );
      return riding(
        () =>
          call('ceremony:combine-shares', {
            ...entryFields(),
            shares,
            names: custodians.map((c) => `${c}'s share`),
            ...(text(p.algorithm) ? { algorithm: text(p.algorithm) } : {}),
          }),
        (records, key) => ({
          ...keyDetail(key),
          kcv: secretKcv(records, key.id),
        }),
      );
    }
    case 'enter-components': {
      const components = custodians.map((custodian) => ({
        custodian,
        value: input(custodian).component,
      }));
      if (components.some((c) => !c.value))
        throw new KeywardenError(
          ErrorCode.QUORUM_NOT_MET,
          'Every custodian present enters their component.',
        );
      return riding(
        () =>
          call('ceremony:enter-components', {
            ...entryFields(),
            components,
            kcv: text(p.kcv),
            algorithm: text(p.algorithm) ?? 'aes256',
          }),
        (records, key) => ({
          ...keyDetail(key),
          kcv: secretKcv(records, key.id),
        }),
      );
    }
    case 'rotate-key':
      return riding(
        () =>
          call('keys:rotate', {
            id: text(p.key),
            ...(text(p.reason) ? { reason: text(p.reason) } : {}),
          }),
        (_records, key) => ({ ...keyDetail(key), predecessor: text(p.key) ?? '' }),
      );
    case 'destroy-key': {
      const pin = input(administrator).pin;
      const [witness] = named('witness');
      // Checked at opening, and again now: a key whose destruction is not due would only be
      // scheduled, a change this step does not record.
      const due = vault.query((records) =>
        destructionIsDue(readKey(records, text(p.key) ?? ''), deps.now()),
      );
      if (!due)
        throw new KeywardenError(
          ErrorCode.KEY_STATE_INVALID,
          `Key ${text(p.key) ?? ''} is not due for destruction any more; abort the ceremony.`,
        );
      return riding(
        () =>
          call('keys:destroy', {
            id: text(p.key),
            authorisedBy: administrator,
            witness,
            ...(pin ? { pin } : {}),
          }),
        (_records, key) => ({ key: key.id, name: key.name, state: key.state }),
        // A token key's destruction first records that it began; the step is its end.
        (key) => key.state === 'destroyed' || key.state === 'destroyed-compromised',
      );
    }
    case 'split-key': {
      const folder = splitFolder(state);
      // An interrupted run of this step wrote its files and was never recorded: they go.
      if (state.pending?.step === step.id) clearPendingFiles(state);
      else
        vault.apply({ ...event, action: 'ceremony.action-begun' }, (records) =>
          saveCeremony(records, {
            ...readCeremony(records, state.header.ceremony),
            pending: { step: step.id, paths: [folder] },
          }),
        );
      makeFolder(folder);
      // The administrator has just proved presence for this step: that is the fresh
      // authentication a split asks for, however long ago the vault was unlocked.
      const split = await asFreshlyAuthenticated(`presence at step ${step.id}`, () =>
        call('ceremony:split-key', {
          keyId: text(p.key),
          threshold: p.threshold,
          custodians,
          outDir: folder,
          format: text(p.format) ?? 'file',
        }),
      );
      return alone({
        key: split.keyId,
        split: split.ceremony,
        threshold: split.threshold,
        shares: split.files.length,
        kcv: split.kcv,
        fingerprint: split.fingerprint,
        folder,
        files: split.files.flatMap((f) => (f.sheet ? [f.path, f.sheet] : [f.path])),
      });
    }
    case 'enrol-token': {
      const soPin = input(administrator).soPin;
      const [keeper] = custodians;
      const pin = input(keeper).pin;
      if (!soPin || !pin)
        throw new KeywardenError(
          ErrorCode.PIN_REQUIRED,
          'The administrator gives the security officer PIN and the custodian the user PIN.',
        );
      const token = await call('tokens:init', {
        label: text(p.label),
        soPin,
        pin,
        ...(text(p.token) ? { serial: text(p.token) } : {}),
      });
      return alone({ token: token.serial, label: token.label, keeper: keeper ?? '' });
    }
    default:
      throw new KeywardenError(
        ErrorCode.CEREMONY_TEMPLATE_INVALID,
        `Step ${step.id} names no action this build performs.`,
      );
  }
}
