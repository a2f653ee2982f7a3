import { randomUUID } from 'node:crypto';
import type { CeremonyView } from '../shared/ceremony-run-types.ts';
import type { Channel, ResponseOf, ServiceEvent } from '../shared/contract.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import { Outcome } from '../core/audit/audit-log.ts';
import { openCeremony } from '../core/ceremony/ceremony-opening.ts';
import {
  appendEntry,
  currentTemplate,
  dueStep,
  headOf,
  listCeremonies,
  readCeremony,
  requireDue,
  saveCeremony,
  summaryOf,
  viewOf,
  withEntry,
} from '../core/ceremony/ceremony-state.ts';
import type { CeremonyState } from '../core/ceremony/ceremony-state.ts';
import { findTemplate, listTemplates } from '../core/ceremony/ceremony-templates.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import { clearPendingFiles, runCeremonyAction } from './ceremony-actions.ts';
import type { HeldContributions } from './ceremony-contributions.ts';
import { checkActionsAtOpening, checkContribution, tokenKeyOf } from './ceremony-preflight.ts';
import { evidenceHandlers, proveParticipant } from './ceremony-evidence.ts';
import type { PresenceProof } from './ceremony-evidence.ts';
import type { ChannelHandlers } from './services.ts';

// Ceremonies run from templates: open one, take each step as its people prove they are present
// and acknowledge it (or the vault acts), abort, list; the evidence channels (presence,
// transcripts) are in ceremony-evidence.ts. Each
// entry of the transcript is its own audited transaction; an action's entry commits in the
// transaction of the action itself where the action has one (see ceremony-actions.ts).

type RunChannel =
  | 'ceremony:list-templates'
  | 'ceremony:start'
  | 'ceremony:show'
  | 'ceremony:list'
  | 'ceremony:advance'
  | 'ceremony:abort'
  | 'ceremony:resume'
  | 'ceremony:export-transcript'
  | 'ceremony:verify-transcript'
  | 'people:set-presence';

/** Calls another channel's handler, its request checked against the contract first. */
export type CallChannel = <C extends Channel>(
  channel: C,
  request: unknown,
) => Promise<ResponseOf<C>>;

/** The ceremony channels' handlers. */
export function ceremonyRunHandlers(
  vault: () => UnlockedVault,
  deps: VaultDeps,
  actor: string,
  call: CallChannel,
  held: HeldContributions,
  emit: (event: ServiceEvent) => void,
): Pick<ChannelHandlers, RunChannel> {
  const read = (id: string) => vault().query((records) => readCeremony(records, id));

  /** The view, with the contributors already heard left out of who is next. */
  const present = (state: CeremonyState): CeremonyView => {
    const view = viewOf(state);
    const due = view.next ? dueStep(state) : null;
    const heard = due
      ? held.get(state.header.ceremony, due.step.id, headOf(state))?.inputs
      : undefined;
    if (heard && due && view.next) {
      const step = view.steps.find((s) => s.id === due.step.id)!;
      const next = step.waiting.find((name) => !heard.has(name));
      if (next) view.next = { ...view.next, by: next };
      step.done = [...step.done, ...heard.keys()];
      step.waiting = step.waiting.filter((name) => !heard.has(name));
    }
    return view;
  };

  /** Appends `fields` as one audited transaction (and the completion, when it was the last). */
  const record = (state: CeremonyState, fields: Parameters<typeof withEntry>[2]): CeremonyState => {
    const event = {
      actor,
      action: `ceremony.${fields.event}`,
      target: state.header.ceremony,
      outcome: Outcome.SUCCESS,
      detail: { step: fields.step ?? '', by: fields.by ?? '' },
    };
    return told(vault().apply(event, (records) => appendEntry(records, state, deps.now(), fields)));
  };

  /** Tells listeners (the app's ceremony screens) that a ceremony's state was committed. */
  const told = (state: CeremonyState): CeremonyState => {
    emit({ name: 'ceremony:progress', payload: summaryOf(state) });
    return state;
  };

  const prove = (state: CeremonyState, step: string, name: string, proof: PresenceProof) =>
    proveParticipant({ vault: vault(), deps, call }, state, step, name, proof);

  return {
    'ceremony:list-templates': async () =>
      listTemplates().map((t) => ({
        id: t.id,
        version: t.version,
        title: t.title,
        summary: t.summary,
        parameters: t.parameters.map((p) => ({
          name: p.name,
          kind: p.kind,
          label: p.label,
          optional: p.optional === true,
          ...(p.default !== undefined ? { default: p.default } : {}),
          ...(p.choices ? { choices: p.choices } : {}),
        })),
        roles: t.roles,
        steps: t.steps.map((s) => ({ id: s.id, kind: s.kind, title: s.title, text: s.text })),
      })),
    'ceremony:start': async (request) => {
      const template = findTemplate(request.template);
      const unlocked = vault();
      const id = randomUUID();
      const event = {
        actor,
        action: 'ceremony.open',
        target: id,
        outcome: Outcome.SUCCESS,
        detail: { template: template.id },
      };
      const state = unlocked.apply(event, (records) => {
        const opened = openCeremony(
          records,
          template,
          request,
          unlocked.vaultId.toString('hex'),
          deps.now(),
          id,
        );
        checkActionsAtOpening(records, template, opened, deps.now());
        saveCeremony(records, opened);
        return opened;
      });
      return present(told(state));
    },
    'ceremony:show': async ({ id }) => present(read(id)),
    'ceremony:list': async () => vault().query((records) => listCeremonies(records)),
    'ceremony:resume': async ({ id }) => {
      const state = read(id);
      requireOpen(state);
      return present(record(state, { step: null, event: 'resumed', by: null }));
    },
    'ceremony:advance': async (request) => {
      const state = read(request.id);
      const step = requireDue(state, request.step);
      const due = present(state).next;
      if (!due || due.by !== request.by)
        throw new KeywardenError(
          ErrorCode.CEREMONY_STATE_INVALID,
          `It is ${due?.by ?? 'no one'}'s turn at step "${step.id}", not ${request.by}'s.`,
        );
      if (step.kind === 'action') {
        const role = state.header.participants.find((p) => p.name === request.by)!.role;
        const tokenKey =
          step.action === 'destroy-key' ? vault().query((r) => tokenKeyOf(r, state)) : null;
        checkContribution(step, state, tokenKey, request.by, role, request.input);
      }
      const proof = await prove(state, step.id, request.by, request);
      if (step.kind !== 'action') {
        const event =
          step.kind === 'presence'
            ? 'presence'
            : step.kind === 'sign-off'
              ? 'signed-off'
              : 'acknowledged';
        return present(record(state, { step: step.id, event, by: request.by, detail: proof }));
      }
      const id = state.header.ceremony;
      const set = held.add(
        id,
        { step: step.id, head: headOf(state) },
        request.by,
        request.input,
        proof,
      );
      const view = present(state);
      if (view.steps.find((s) => s.id === step.id)!.waiting.length > 0) return view;
      let done: CeremonyState;
      try {
        done = await runCeremonyAction({
          vault: vault(),
          deps,
          actor,
          call,
          state,
          step,
          contributions: set.inputs,
          proofs: set.proofs,
        });
      } finally {
        held.drop(id);
      }
      return present(told(done));
    },
    'ceremony:abort': async (request) => {
      const state = read(request.id);
      requireOpen(state);
      const administrator = state.header.participants.find((p) => p.role === 'administrator')!;
      if (request.by !== administrator.name)
        throw new KeywardenError(
          ErrorCode.SEPARATION_OF_DUTIES,
          `Only the administrator, ${administrator.name}, aborts the ceremony.`,
        );
      const step = currentTemplate(state) ? (dueStep(state)?.step.id ?? null) : null;
      // The proof is made for the entry it goes into: the step due when the ceremony stops.
      const proof = await prove(state, step ?? '', request.by, request);
      held.drop(state.header.ceremony);
      // Share files of a split that was interrupted and never recorded are not left behind.
      const removed = clearPendingFiles(state);
      return present(
        record(state, {
          step,
          event: 'aborted',
          by: request.by,
          detail: {
            ...proof,
            reason: request.reason,
            ...(removed ? { filesRemoved: removed } : {}),
          },
        }),
      );
    },
    ...evidenceHandlers(vault, deps, actor, call, read),
  };
}

function requireOpen(state: CeremonyState): void {
  if (state.status !== 'open')
    throw new KeywardenError(ErrorCode.CEREMONY_STATE_INVALID, `The ceremony is ${state.status}.`);
}
