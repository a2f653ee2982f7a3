import { dueEndOf } from '../../../../electron/shared/due-dates.ts';
import type { DueEnd } from '../../../../electron/shared/due-dates.ts';
import type { KeyView, PersonView, Tier } from '../../../../electron/shared/inventory-types.ts';

// When keys fall due, by the one rule the vault follows (shared/due-dates.ts): a key still
// protecting data is due at the end of its originator-usage period, one winding down at the
// end of its recipient-usage period, a destroyed one never. Dates are shown and bucketed in
// the person's local time.

const DAY_MS = 86_400_000;

export type { DueEnd };

/** A key that falls due, with when and how far from now. */
export interface DueKey {
  key: KeyView;
  due: Date;
  end: DueEnd;
  /** Whole days from now to `due`: negative when overdue, 0 for later today. */
  days: number;
  overdue: boolean;
}

/** When `key` falls due and at which end of its period; null for a key never due again. */
export function dueOf(key: KeyView, now: Date): DueKey | null {
  const found = dueEndOf(key.state, key.cryptoPeriod);
  if (found === null) return null;
  const due = new Date(found.at);
  const overdue = due.getTime() < now.getTime();
  const days = overdue
    ? -Math.ceil((now.getTime() - due.getTime()) / DAY_MS)
    : Math.floor((due.getTime() - now.getTime()) / DAY_MS);
  return { key, due, end: found.end, days, overdue };
}

/** The counts at the top of the dashboard. "Within" counts include the nearer ones, not the overdue. */
export interface DueCounts {
  overdue: number;
  within30: number;
  within90: number;
}

export function countDue(due: readonly DueKey[], now: Date): DueCounts {
  const by = (days: number) => now.getTime() + days * DAY_MS;
  return {
    overdue: due.filter((d) => d.overdue).length,
    within30: due.filter((d) => !d.overdue && d.due.getTime() <= by(30)).length,
    within90: due.filter((d) => !d.overdue && d.due.getTime() <= by(90)).length,
  };
}

/** The keys overdue or due within `days` of now, soonest first. */
export function dueWithin(due: readonly DueKey[], days: number, now: Date): DueKey[] {
  const horizon = now.getTime() + days * DAY_MS;
  return due
    .filter((d) => d.due.getTime() <= horizon)
    .sort((a, b) => a.due.getTime() - b.due.getTime() || a.key.name.localeCompare(b.key.name));
}

export const TIER_WORDS: Readonly<Record<Tier, string>> = {
  1: 'Tier 1 (catastrophic)',
  2: 'Tier 2 (high)',
  3: 'Tier 3 (moderate)',
  4: 'Tier 4 (low)',
};

export type Grouping = 'owner' | 'tier';

/** A group of due keys: its id, its heading, and its keys soonest first. */
export interface DueGroup {
  id: string;
  title: string;
  rows: DueKey[];
}

/**
 * Groups due keys by owner (by name; an owner missing from the registry by id) or by tier
 * (1 first). Groups keep the rows' order.
 */
export function groupDue(
  due: readonly DueKey[],
  grouping: Grouping,
  people: ReadonlyMap<string, PersonView>,
): DueGroup[] {
  const groups = new Map<string, DueGroup>();
  for (const row of due) {
    const id = grouping === 'owner' ? row.key.owner : String(row.key.tier);
    const title =
      grouping === 'owner'
        ? (people.get(id)?.name ?? `Unknown person ${id}`)
        : TIER_WORDS[row.key.tier];
    let group = groups.get(id);
    if (!group) {
      group = { id, title, rows: [] };
      groups.set(id, group);
    }
    group.rows.push(row);
  }
  const all = [...groups.values()];
  return grouping === 'owner'
    ? all.sort((a, b) => a.title.localeCompare(b.title))
    : all.sort((a, b) => Number(a.id) - Number(b.id));
}

/** One month of the chart: its first day (local) and the keys whose originator usage ends in it. */
export interface MonthCount {
  start: Date;
  count: number;
  keys: string[];
}

/**
 * The keys still protecting data whose originator usage ends in each of the 12 calendar months
 * starting with this one, from now on (those already past are overdue, counted apart).
 */
export function originatorEndsByMonth(keys: readonly KeyView[], now: Date): MonthCount[] {
  const months: MonthCount[] = Array.from({ length: 12 }, (_, i) => ({
    start: new Date(now.getFullYear(), now.getMonth() + i, 1),
    count: 0,
    keys: [],
  }));
  const first = months[0]?.start ?? now;
  for (const key of keys) {
    const due = dueEndOf(key.state, key.cryptoPeriod);
    if (due?.end !== 'originator') continue;
    const end = new Date(due.at);
    if (end.getTime() < now.getTime()) continue;
    const index =
      (end.getFullYear() - first.getFullYear()) * 12 + (end.getMonth() - first.getMonth());
    const month = months[index];
    if (month) {
      month.count += 1;
      month.keys.push(key.name);
    }
  }
  return months;
}

/** Days from now to the end of the chart's last month: what keys:list's dueWithinDays needs. */
export function chartHorizonDays(now: Date): number {
  const end = new Date(now.getFullYear(), now.getMonth() + 12, 1);
  return Math.ceil((end.getTime() - now.getTime()) / DAY_MS) + 1;
}

// Dates as the person's locale writes them.
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const MONTH_SHORT = new Intl.DateTimeFormat(undefined, { month: 'short' });
const MONTH_LONG = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });

/** "5 Mar 2026" or "Mar 5, 2026" */
export const formatDate = (date: Date) => DATE.format(date);
/** "Mar", for a chart's axis. */
export const formatMonthShort = (date: Date) => MONTH_SHORT.format(date);
/** "March 2026" */
export const formatMonthLong = (date: Date) => MONTH_LONG.format(date);

/** "Overdue by 3 days", "Due today", "Due in 12 days". */
export function dueWords(row: DueKey): string {
  const n = Math.abs(row.days);
  const days = `${n} day${n === 1 ? '' : 's'}`;
  if (row.overdue) return n === 0 ? 'Overdue since today' : `Overdue by ${days}`;
  return n === 0 ? 'Due today' : `Due in ${days}`;
}
