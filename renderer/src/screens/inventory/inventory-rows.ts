import { KEY_STATES } from '../../../../electron/shared/inventory-types.ts';
import type {
  KeyState,
  KeyView,
  PersonView,
  Purpose,
  Tier,
} from '../../../../electron/shared/inventory-types.ts';

// The inventory's rows, built once per load so that every later filter, search and sort is a
// pass over plain values: the owner's name, the location as words, the due date as a number
// and the lower-cased text a search looks in are worked out here, and each column's order is
// sorted at most once per load (filters then keep it by walking it).

export const DAY_MS = 86_400_000;

export interface KeyRow {
  key: KeyView;
  /** Place in the service's answer, which comes sorted by name (then id). */
  index: number;
  ownerName: string;
  /** "vault", "token SERIAL" or "external". */
  location: string;
  /** What the location filter compares: "vault", "token:SERIAL" or "external". */
  locationId: string;
  /** When the key falls due (ms since the epoch); NaN when it never does again (destroyed). */
  dueMs: number;
  /** Name, id, owner and labels, lower-cased, for the search box. */
  search: string;
}

export const SORT_COLUMNS = [
  'name',
  'algorithm',
  'owner',
  'state',
  'tier',
  'location',
  'period',
] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type SortDirection = 'ascending' | 'descending';

/** What the table shows: the filters, the search and the sort. Plain data, so views can keep it. */
export interface InventoryQuery {
  state: KeyState | null;
  tier: Tier | null;
  /** A person id. */
  owner: string | null;
  purpose: Purpose | null;
  environment: string | null;
  /** "vault", "external", "token" (any token) or "token:SERIAL". */
  location: string | null;
  dueWithinDays: number | null;
  search: string;
  sort: { column: SortColumn; direction: SortDirection };
}

export const ALL_KEYS: InventoryQuery = {
  state: null,
  tier: null,
  owner: null,
  purpose: null,
  environment: null,
  location: null,
  dueWithinDays: null,
  search: '',
  sort: { column: 'name', direction: 'ascending' },
};

/** Keys still protecting data fall due at their originator-usage end (core's dueDate). */
const IN_USE: ReadonlySet<KeyState> = new Set(['pre-activation', 'active', 'suspended']);
/** Keys winding down fall due when they may no longer process either. */
const WINDING_DOWN: ReadonlySet<KeyState> = new Set([
  'deactivated',
  'compromised',
  'destruction-pending',
]);

/** When a key falls due, as the service's dueWithinDays filter counts it; NaN for never. */
export function dueOf(key: KeyView): number {
  const period = key.cryptoPeriod;
  if (IN_USE.has(key.state))
    return Date.parse(period.originatorUsageEnd ?? period.recipientUsageEnd);
  if (WINDING_DOWN.has(key.state)) return Date.parse(period.recipientUsageEnd);
  return Number.NaN;
}

/** Builds the rows of `keys` (in the service's order), naming owners from `people`. */
export function buildRows(keys: readonly KeyView[], people: readonly PersonView[]): KeyRow[] {
  const names = new Map(people.map((person) => [person.id, person.name]));
  const rows: KeyRow[] = new Array(keys.length);
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as KeyView;
    const ownerName = names.get(key.owner) ?? key.owner;
    const where = key.location;
    const location =
      where.kind === 'token'
        ? `token ${where.serial}`
        : where.kind === 'vault'
          ? 'vault'
          : 'external';
    rows[index] = {
      key,
      index,
      ownerName,
      location,
      locationId: where.kind === 'token' ? `token:${where.serial}` : where.kind,
      dueMs: dueOf(key),
      search: `${key.name}\n${key.id}\n${ownerName}\n${key.labels.join('\n')}`.toLowerCase(),
    };
  }
  return rows;
}

const STATE_ORDER = new Map(KEY_STATES.map((state, i) => [state, i]));
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Each row's sort value for `column`: numbers, ranks of the few distinct strings. */
function sortValues(rows: readonly KeyRow[], column: SortColumn): Float64Array {
  const values = new Float64Array(rows.length);
  const text = (pick: (row: KeyRow) => string) => {
    const distinct = [...new Set(rows.map(pick))].sort(collator.compare);
    const rank = new Map(distinct.map((value, i) => [value, i]));
    rows.forEach((row, i) => (values[i] = rank.get(pick(row)) ?? 0));
  };
  switch (column) {
    case 'name':
      rows.forEach((row, i) => (values[i] = row.index));
      break;
    case 'algorithm':
      text((row) => row.key.algorithm);
      break;
    case 'owner':
      text((row) => row.ownerName);
      break;
    case 'location':
      text((row) => row.location);
      break;
    case 'state':
      rows.forEach((row, i) => (values[i] = STATE_ORDER.get(row.key.state) ?? 0));
      break;
    case 'tier':
      rows.forEach((row, i) => (values[i] = row.key.tier));
      break;
    case 'period':
      // Keys that never fall due again go last.
      rows.forEach((row, i) => (values[i] = Number.isNaN(row.dueMs) ? Infinity : row.dueMs));
      break;
  }
  return values;
}

/**
 * The rows' indices in ascending order of `column`, ties by name. Sorted once per load and
 * column (the service's order already is the name order), then kept in `cache`.
 */
export function orderOf(
  rows: readonly KeyRow[],
  column: SortColumn,
  cache: Map<SortColumn, Int32Array>,
): Int32Array {
  const cached = cache.get(column);
  if (cached) return cached;
  const order = new Int32Array(rows.length);
  for (let i = 0; i < order.length; i += 1) order[i] = i;
  if (column !== 'name') {
    const values = sortValues(rows, column);
    order.sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
  }
  cache.set(column, order);
  return order;
}

/** The test a row must pass for `query`'s filters and search; null when every row passes. */
export function matcherOf(query: InventoryQuery, now: number): ((row: KeyRow) => boolean) | null {
  const tests: Array<(row: KeyRow) => boolean> = [];
  const { state, tier, owner, purpose, environment, location, dueWithinDays } = query;
  if (state !== null) tests.push((row) => row.key.state === state);
  if (tier !== null) tests.push((row) => row.key.tier === tier);
  if (owner !== null) tests.push((row) => row.key.owner === owner);
  if (purpose !== null) tests.push((row) => row.key.purposes.includes(purpose));
  if (environment !== null) tests.push((row) => row.key.environment === environment);
  if (location === 'token') tests.push((row) => row.key.location.kind === 'token');
  else if (location !== null) tests.push((row) => row.locationId === location);
  if (dueWithinDays !== null) {
    const horizon = now + dueWithinDays * DAY_MS;
    // NaN (never due) compares false: such keys are never "due within" anything.
    tests.push((row) => row.dueMs <= horizon);
  }
  const words = query.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length > 0) tests.push((row) => words.every((word) => row.search.includes(word)));
  if (tests.length === 0) return null;
  return (row) => tests.every((test) => test(row));
}

/** The rows `query` shows, in its order: one walk of the column's cached order. */
export function visibleRows(
  rows: readonly KeyRow[],
  query: InventoryQuery,
  cache: Map<SortColumn, Int32Array>,
  now: number,
): readonly KeyRow[] {
  const matches = matcherOf(query, now);
  const { column, direction } = query.sort;
  if (matches === null && column === 'name' && direction === 'ascending') return rows;
  const order = orderOf(rows, column, cache);
  const shown: KeyRow[] = [];
  const step = direction === 'ascending' ? 1 : -1;
  for (let at = step > 0 ? 0 : order.length - 1; at >= 0 && at < order.length; at += step) {
    const row = rows[order[at] as number] as KeyRow;
    if (matches === null || matches(row)) shown.push(row);
  }
  return shown;
}

/** Whether two queries show the same thing (for telling which saved view is in use). */
export function sameQuery(a: InventoryQuery, b: InventoryQuery): boolean {
  return (
    a.state === b.state &&
    a.tier === b.tier &&
    a.owner === b.owner &&
    a.purpose === b.purpose &&
    a.environment === b.environment &&
    a.location === b.location &&
    a.dueWithinDays === b.dueWithinDays &&
    a.search.trim() === b.search.trim() &&
    a.sort.column === b.sort.column &&
    a.sort.direction === b.sort.direction
  );
}

export type PeriodTone = 'ok' | 'soon' | 'overdue' | 'ended';

/** Keys due within this many days are shown as due soon. */
export const DUE_SOON_DAYS = 30;

function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A length of time in words: days up to 45, months up to two years, then years. */
function span(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  if (days < 45) return count(Math.max(days, 1), 'day');
  const months = Math.round(days / 30.44);
  if (months < 24) return count(months, 'month');
  return count(Math.round(days / 365.25), 'year');
}

/** The crypto-period remaining, in words, and how urgent it is. */
export function periodWords(dueMs: number, now: number): { text: string; tone: PeriodTone } {
  if (Number.isNaN(dueMs)) return { text: 'ended', tone: 'ended' };
  const left = dueMs - now;
  if (left < 0) return { text: `overdue by ${span(-left)}`, tone: 'overdue' };
  if (left < DAY_MS) return { text: 'due today', tone: 'soon' };
  return { text: span(left), tone: left <= DUE_SOON_DAYS * DAY_MS ? 'soon' : 'ok' };
}
