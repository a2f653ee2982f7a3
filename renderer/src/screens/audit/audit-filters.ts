import type { AuditEntry, AuditOutcome } from '../../../../electron/shared/vault-types.ts';

// Which audit entries a person asked to see: by actor, by action (a prefix, so "key." finds
// every key operation), by outcome, by words in the target or the detail, and by date. All of
// it runs on the entries already read, so narrowing is instant.

export interface AuditFilter {
  /** An actor's exact name; null for anyone. */
  actor: string | null;
  /** The start of the action ("key." or "key.generate"); empty for any. */
  action: string;
  outcome: AuditOutcome | 'any';
  /** Words to find in the target, the action, the actor or the detail; empty for any. */
  text: string;
  /** Local calendar days, "YYYY-MM-DD", both inclusive; null for open-ended. */
  from: string | null;
  to: string | null;
}

export const NO_FILTER: AuditFilter = {
  actor: null,
  action: '',
  outcome: 'any',
  text: '',
  from: null,
  to: null,
};

/** Whether any part of the filter narrows the log. */
export function isFiltering(filter: AuditFilter): boolean {
  return (
    filter.actor !== null ||
    filter.action.trim() !== '' ||
    filter.outcome !== 'any' ||
    filter.text.trim() !== '' ||
    filter.from !== null ||
    filter.to !== null
  );
}

/** Local midnight of a "YYYY-MM-DD" day, `days` later. */
function localDay(day: string, days = 0): number {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(year, month - 1, date + days).getTime();
}

/** The text an entry is searched in. */
function searchable(entry: AuditEntry): string {
  const detail = Object.entries(entry.detail).map(([key, value]) => `${key} ${String(value)}`);
  return [entry.target, entry.action, entry.actor, ...detail].join('\n').toLowerCase();
}

/** A predicate for the entries `filter` lets through. */
export function matcher(filter: AuditFilter): (entry: AuditEntry) => boolean {
  const action = filter.action.trim().toLowerCase();
  const words = filter.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const from = filter.from === null ? -Infinity : localDay(filter.from);
  const to = filter.to === null ? Infinity : localDay(filter.to, 1);
  return (entry) => {
    if (filter.actor !== null && entry.actor !== filter.actor) return false;
    if (action && !entry.action.toLowerCase().startsWith(action)) return false;
    if (filter.outcome !== 'any' && entry.outcome !== filter.outcome) return false;
    const at = Date.parse(entry.at);
    if (at < from || at >= to) return false;
    if (words.length > 0) {
      const text = searchable(entry);
      if (!words.every((word) => text.includes(word))) return false;
    }
    return true;
  };
}

/** The actors in the log, by name. */
export function actorsOf(entries: readonly AuditEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.actor))].sort((a, b) => a.localeCompare(b));
}

/**
 * The actions in the log and their domains ("key." for "key.generate"), as suggestions for
 * the action field, domains first.
 */
export function actionsOf(entries: readonly AuditEntry[]): string[] {
  const actions = new Set(entries.map((entry) => entry.action));
  const domains = new Set(
    [...actions].filter((a) => a.includes('.')).map((a) => `${a.slice(0, a.indexOf('.'))}.`),
  );
  return [...[...domains].sort(), ...[...actions].sort()];
}
