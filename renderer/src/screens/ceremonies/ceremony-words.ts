import type {
  CeremonyRoleName,
  CeremonyStatus,
  CeremonyStepView,
  CeremonyView,
  DetailValue,
  TranscriptEntry,
} from '../../../../electron/shared/ceremony-run-types.ts';

// The words the ceremony screens use: roles in the singular and plural, a step's progress by
// role ("2 of 3 custodians"), a transcript entry as a line, and the text of a detail value.
// Nothing here ever sees a secret: the views carry names, ids, check values and paths only.

const ROLE_WORDS: Readonly<Record<CeremonyRoleName, { one: string; many: string }>> = {
  administrator: { one: 'administrator', many: 'administrators' },
  custodian: { one: 'custodian', many: 'custodians' },
  witness: { one: 'witness', many: 'witnesses' },
  auditor: { one: 'auditor', many: 'auditors' },
};

/** "custodian" or "custodians", by count. */
export function roleWord(role: CeremonyRoleName, count = 1): string {
  return count === 1 ? ROLE_WORDS[role].one : ROLE_WORDS[role].many;
}

/** "Custodian" (a heading's form). */
export function roleTitle(role: CeremonyRoleName, count = 1): string {
  const word = roleWord(role, count);
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** How many of a role a template asks for: "exactly 1", "2 to 255", "up to 1", "none". */
export function countWords({ min, max }: { min: number; max: number }): string {
  if (max === 0) return 'none';
  if (min === max) return `exactly ${min}`;
  if (min === 0) return `up to ${max}`;
  return `${min} to ${max}`;
}

/** The role a participant holds in the ceremony. */
export function roleOf(view: CeremonyView, name: string): CeremonyRoleName | null {
  return view.participants.find((p) => p.name === name)?.role ?? null;
}

/**
 * Who acted on a step. An action step done says so in its transcript entry (its contributors):
 * the step's own list names only who the entry is by (no one, or the administrator alone where
 * a custodian gave a PIN too).
 */
export function actedOn(view: CeremonyView, step: CeremonyStepView): string[] {
  const done = step.done.filter((name) => name.length > 0);
  if (step.kind !== 'action') return done;
  const contributors = actionEntry(view, step.id)?.detail.contributors;
  return Array.isArray(contributors) ? contributors : done;
}

/**
 * A step's progress, role by role: "2 of 3 custodians, 0 of 1 witness" — who has acted out of
 * who is asked to, as the ceremony's view counts them (a step done has no one waiting).
 */
export function stepProgress(view: CeremonyView, step: CeremonyStepView): string {
  const acted = actedOn(view, step);
  const everyone = [...acted, ...step.waiting];
  const parts: string[] = [];
  for (const role of ['administrator', 'custodian', 'witness', 'auditor'] as const) {
    const asked = everyone.filter((name) => roleOf(view, name) === role);
    if (asked.length === 0) continue;
    const done = acted.filter((name) => roleOf(view, name) === role).length;
    parts.push(`${done} of ${asked.length} ${roleWord(role, asked.length)}`);
  }
  return parts.join(', ');
}

export const STATUS_WORDS: Readonly<Record<CeremonyStatus, { label: string; badge: string }>> = {
  open: { label: 'Open', badge: 'badge badge-warn' },
  completed: { label: 'Completed', badge: 'badge badge-ok' },
  aborted: { label: 'Aborted', badge: 'badge badge-danger' },
};

const EVENT_WORDS: Readonly<Record<TranscriptEntry['event'], string>> = {
  presence: 'proved presence',
  acknowledged: 'acknowledged',
  action: 'the vault acted',
  'signed-off': 'signed off',
  aborted: 'aborted the ceremony',
  resumed: 'the ceremony was resumed',
  completed: 'the ceremony was completed',
};

/** What an entry records, in a few words: "Carol acknowledged", "the vault acted". */
export function entryWords(entry: TranscriptEntry): string {
  const what = EVENT_WORDS[entry.event];
  return entry.by && entry.event !== 'action' ? `${entry.by} ${what}` : what;
}

/** A detail value as text. */
export function detailText(value: DetailValue | undefined): string {
  if (value === undefined || value === null) return '—';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Detail fields worth a line in a summary (the presence proofs are long and said elsewhere). */
export function shownDetail(entry: TranscriptEntry): Array<[string, string]> {
  return Object.entries(entry.detail)
    .filter(([field]) => field !== 'proofs' && field !== 'signature' && field !== 'proof')
    .map(([field, value]) => [field, detailText(value)]);
}

/** The vault's action entry at `step`, when it has run. */
export function actionEntry(view: CeremonyView, step: string): TranscriptEntry | null {
  return view.entries.find((e) => e.step === step && e.event === 'action') ?? null;
}

/** A time as people read it here: the local date and time, to the minute. */
export function whenWords(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime())
    ? iso
    : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The folder a path is in, and a file name beside it, with the path's own separator. */
export function besidePath(path: string, name: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (cut < 0) return name;
  return `${path.slice(0, cut + 1)}${name}`;
}
