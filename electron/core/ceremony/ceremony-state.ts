import type {
  CeremonyStatus,
  CeremonyStepView,
  CeremonySummary,
  CeremonyView,
  DetailValue,
  TranscriptEntry,
  TranscriptEvent,
  TranscriptHeader,
} from '../../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { RecordStore } from '../vault/record-store.ts';
import { findTemplate } from './ceremony-templates.ts';
import type { CeremonyStep, CeremonyTemplate } from './ceremony-templates.ts';
import { chainEntry, genesisHash } from './ceremony-transcript.ts';

// A ceremony's state as the vault keeps it: the transcript's header and entries, and its
// status. Everything else (which step is due, who must act next) is worked out from the
// entries, so the state is exactly the evidence, and each step's record is one transaction.

export const CEREMONIES = 'ceremonies';

export interface CeremonyState {
  header: TranscriptHeader;
  entries: TranscriptEntry[];
  status: CeremonyStatus;
  /**
   * What an action with effects outside the vault is about to make, recorded before it makes
   * it, so a resumed run finds what an interrupted one left: the files a split writes, the
   * CKA_ID of a key generated on a token.
   */
  pending?: { step: string; paths: string[]; ckaId?: string };
}

/** The hash the next entry chains to. */
export function headOf(state: CeremonyState): string {
  return state.entries.at(-1)?.hash ?? genesisHash(state.header);
}

/** Appends an entry to the transcript; returns the new state (the old is not changed). */
export function withEntry(
  state: CeremonyState,
  at: Date,
  fields: {
    step: string | null;
    event: TranscriptEvent;
    by: string | null;
    detail?: Record<string, DetailValue>;
  },
): CeremonyState {
  const entry = chainEntry(headOf(state), state.entries.length + 1, {
    at: at.toISOString(),
    step: fields.step,
    event: fields.event,
    by: fields.by,
    detail: fields.detail ?? {},
  });
  return { ...state, entries: [...state.entries, entry] };
}

/**
 * Appends an entry to the ceremony as `records` hold it, which must still end where `seen`
 * ended (nothing moved it meanwhile); closes it when that was its last step (or marks it
 * aborted), and saves it. `settled`: the entry records an action, whose pending plan goes.
 * Call in a transaction. Throws CEREMONY_STATE_INVALID, CEREMONY_NOT_FOUND.
 */
export function appendEntry(
  records: RecordStore,
  seen: CeremonyState,
  at: Date,
  fields: Parameters<typeof withEntry>[2],
  settled = false,
): CeremonyState {
  const current = readCeremony(records, seen.header.ceremony);
  if (headOf(current) !== headOf(seen))
    throw new KeywardenError(
      ErrorCode.CEREMONY_STATE_INVALID,
      'The ceremony moved on meanwhile; show it again.',
    );
  const { header, entries, status } = current;
  const base = settled ? { header, entries, status } : current;
  let next = withEntry(base, at, fields);
  if (fields.event === 'aborted') next = { ...next, status: 'aborted' };
  else if (next.status === 'open' && dueStep(next) === null)
    next = {
      ...withEntry(next, at, { step: null, event: 'completed', by: null }),
      status: 'completed',
    };
  saveCeremony(records, next);
  return next;
}

/** The people who must act on `step`, in the order they are asked. */
export function actorsOf(state: CeremonyState, step: CeremonyStep): string[] {
  const roles = step.by;
  return state.header.participants
    .filter((p) => (roles ? (roles as string[]).includes(p.role) : true))
    .map((p) => p.name);
}

/** Who has acted on `step` so far (an action step is done by its one entry). */
function doneBy(state: CeremonyState, step: CeremonyStep): string[] {
  return state.entries
    .filter((entry) => entry.step === step.id && entry.event !== 'aborted')
    .map((entry) => entry.by ?? '');
}

function stepDone(state: CeremonyState, step: CeremonyStep): boolean {
  if (step.kind === 'action')
    return state.entries.some((e) => e.step === step.id && e.event === 'action');
  const done = doneBy(state, step);
  return actorsOf(state, step).every((name) => done.includes(name));
}

/**
 * The ceremony's template: the one the transcript names, exactly as it was when the ceremony
 * was opened. Throws CEREMONY_TEMPLATE_INVALID when this build's template differs (an upgrade
 * changed its script): the ceremony's steps do not change under it.
 */
export function templateOf(state: CeremonyState): CeremonyTemplate {
  const template = currentTemplate(state);
  if (!template)
    throw new KeywardenError(
      ErrorCode.CEREMONY_TEMPLATE_INVALID,
      `Ceremony ${state.header.ceremony} was opened with another version of template ${state.header.template.id} than this Keywarden has; finish it with the Keywarden that opened it, or abort it.`,
    );
  return template;
}

/** The ceremony's template if this build's is the one it was opened with, else null. */
export function currentTemplate(state: CeremonyState): CeremonyTemplate | null {
  const { id, digest } = state.header.template;
  const template = findTemplate(id);
  return template.digest === digest ? template : null;
}

/**
 * The step due and who acts on it next: for an action, its first actor (the administrator, or
 * the first contributor); null once every step is done or the ceremony has ended.
 */
export function dueStep(state: CeremonyState): { step: CeremonyStep; by: string } | null {
  if (state.status !== 'open') return null;
  for (const step of templateOf(state).steps) {
    if (stepDone(state, step)) continue;
    const done = doneBy(state, step);
    const by = actorsOf(state, step).find((name) => !done.includes(name)) ?? '';
    return { step, by };
  }
  return null;
}

/**
 * The step `stepId` if it is the one due. Throws CEREMONY_STATE_INVALID (the ceremony has
 * ended, or another step is due).
 */
export function requireDue(state: CeremonyState, stepId: string): CeremonyStep {
  if (state.status !== 'open')
    throw new KeywardenError(ErrorCode.CEREMONY_STATE_INVALID, `The ceremony is ${state.status}.`);
  const due = dueStep(state);
  if (!due || due.step.id !== stepId)
    throw new KeywardenError(
      ErrorCode.CEREMONY_STATE_INVALID,
      `Step "${stepId}" is not the one due${due ? `; "${due.step.id}" is` : ''}.`,
    );
  return due.step;
}

/** Reads a ceremony's state. Throws CEREMONY_NOT_FOUND, RECORD_TAMPERED. */
export function readCeremony(records: RecordStore, id: string): CeremonyState {
  if (!/^[0-9a-f-]{36}$/.test(id) || !records.list(CEREMONIES).some((r) => r.recordId === id))
    throw new KeywardenError(
      ErrorCode.CEREMONY_NOT_FOUND,
      `There is no ceremony ${id} in this vault.`,
    );
  const body = records.readBody(CEREMONIES, id);
  return JSON.parse(body.toString('utf8')) as CeremonyState;
}

/** Writes a ceremony's state (a new record version). Call in a transaction. */
export function saveCeremony(records: RecordStore, state: CeremonyState): void {
  const { id, ...summary } = summaryOf(state);
  records.put(CEREMONIES, id, summary, Buffer.from(JSON.stringify(state)));
}

/** What a list of ceremonies shows of one: its template, status and how many steps are done. */
export function summaryOf(state: CeremonyState): CeremonySummary {
  // A ceremony of a template this build no longer has as it was is still listed (and aborted).
  const steps = currentTemplate(state)?.steps ?? [];
  return {
    id: state.header.ceremony,
    template: state.header.template.id,
    title: state.header.template.title,
    status: state.status,
    openedAt: state.header.openedAt,
    steps: steps.length,
    stepsDone: steps.filter((step) => stepDone(state, step)).length,
  };
}

/** Every ceremony in the vault, newest first. */
export function listCeremonies(records: RecordStore): CeremonySummary[] {
  return records
    .list(CEREMONIES)
    .map((record) => ({ id: record.recordId, ...(record.meta as Omit<CeremonySummary, 'id'>) }))
    .sort((a, b) => b.openedAt.localeCompare(a.openedAt));
}

/** The ceremony as people follow it. */
export function viewOf(state: CeremonyState): CeremonyView {
  const template = currentTemplate(state);
  const due = template ? dueStep(state) : null;
  const steps: CeremonyStepView[] = (template?.steps ?? []).map((step) => {
    const done = doneBy(state, step);
    const finished = stepDone(state, step);
    return {
      id: step.id,
      kind: step.kind,
      title: step.title,
      text: step.text,
      ...(step.action ? { action: step.action } : {}),
      state: finished ? 'done' : due?.step.id === step.id ? 'due' : 'later',
      done,
      waiting: finished ? [] : actorsOf(state, step).filter((name) => !done.includes(name)),
    };
  });
  const { header } = state;
  return {
    id: header.ceremony,
    template: {
      id: header.template.id,
      version: header.template.version,
      title: header.template.title,
    },
    status: state.status,
    parameters: header.parameters,
    participants: header.participants.map((p) => ({
      name: p.name,
      role: p.role,
      presence: p.presence,
    })),
    steps,
    next: due ? { step: due.step.id, by: due.by } : null,
    entries: state.entries,
    signer: header.signer.keyId,
    openedAt: header.openedAt,
  };
}
