import { KEY_STATES } from '../../../../electron/shared/inventory-types.ts';
import type {
  KeyState,
  PersonView,
  Purpose,
  Tier,
} from '../../../../electron/shared/inventory-types.ts';
import type { KeySummary } from '../../../../electron/shared/key-summary-types.ts';

// The inventory as the screen holds it: the keys as the service sent them (sorted by name),
// and what filters, the search and sorting need, worked out once per load and only when
// first needed. Nothing is built per key before the first rows show: the due times and the
// lower-cased search text are filled in the background in small chunks (warmUp) or at once
// by the first filter that needs them; each column's order is sorted the first time the
// table is sorted by it. A query's result is a list of positions into the keys.

export const DAY_MS = 86_400_000;

/**
 * What the inventory holds of each key: keys:list-summaries' fields, those it shows, filters,
 * searches and sorts by, with the due date worked out by the service (shared/due-dates.ts).
 * The rest of a key (history, public key, notes, ...) is the key screen's to load.
 */
export type InventoryKey = KeySummary;

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

/** The loaded keys and what is worked out from them, once. */
export interface KeyTable {
  /** In the service's order: by name, then id. */
  keys: readonly InventoryKey[];
  owners: ReadonlyMap<string, string>;
  /** Keys [0, warmed) have their due time and search text filled in. */
  warmed: number;
  /** When each key falls due (ms since the epoch); NaN when it never does again. */
  due: Float64Array;
  search: string[];
  orders: Map<SortColumn, Int32Array>;
}

/** Which keys a query shows, in its order: positions into `table.keys`, or all in order. */
export interface Shown {
  table: KeyTable;
  /** null: every key, in the service's order. */
  positions: Int32Array | null;
  length: number;
}

export function tableOf(keys: readonly InventoryKey[], people: readonly PersonView[]): KeyTable {
  return {
    keys,
    owners: new Map(people.map((person) => [person.id, person.name])),
    warmed: 0,
    due: new Float64Array(keys.length),
    search: new Array<string>(keys.length),
    orders: new Map(),
  };
}

/** The key at a position of what is shown. */
export function keyAt(shown: Shown, position: number): InventoryKey | undefined {
  const { keys } = shown.table;
  return keys[shown.positions ? (shown.positions[position] ?? -1) : position];
}

export function ownerOf(table: KeyTable, key: InventoryKey): string {
  return table.owners.get(key.owner) ?? key.owner;
}

/** "vault", "token SERIAL" or "external". */
export function locationOf(key: InventoryKey): string {
  const where = key.location;
  return where.kind === 'token' ? `token ${where.serial}` : where.kind;
}

/** When a key falls due (ms since the epoch), as the service's dueWithinDays filter counts it; NaN for never. */
export function dueOf(key: InventoryKey): number {
  return key.due === null ? Number.NaN : Date.parse(key.due);
}

/** Fills due times and search texts for up to `count` more keys; whether any are left. */
export function warmUp(table: KeyTable, count = Infinity): boolean {
  const end = Math.min(table.keys.length, table.warmed + count);
  for (let i = table.warmed; i < end; i += 1) {
    const key = table.keys[i] as InventoryKey;
    table.due[i] = dueOf(key);
    table.search[i] =
      `${key.name}\n${key.id}\n${ownerOf(table, key)}\n${key.labels.join('\n')}`.toLowerCase();
  }
  table.warmed = end;
  return end < table.keys.length;
}

const STATE_ORDER = new Map(KEY_STATES.map((state, i) => [state, i]));
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Each key's sort value for `column`: numbers, or ranks of the few distinct strings. */
function sortValues(table: KeyTable, column: SortColumn): Float64Array {
  const { keys } = table;
  const values = new Float64Array(keys.length);
  const text = (pick: (key: InventoryKey) => string) => {
    const picked = keys.map(pick);
    const distinct = [...new Set(picked)].sort(collator.compare);
    const rank = new Map(distinct.map((value, i) => [value, i]));
    picked.forEach((value, i) => (values[i] = rank.get(value) ?? 0));
  };
  switch (column) {
    case 'name':
      values.forEach((_, i) => (values[i] = i));
      break;
    case 'algorithm':
      text((key) => key.algorithm);
      break;
    case 'owner':
      text((key) => ownerOf(table, key));
      break;
    case 'location':
      text(locationOf);
      break;
    case 'state':
      keys.forEach((key, i) => (values[i] = STATE_ORDER.get(key.state) ?? 0));
      break;
    case 'tier':
      keys.forEach((key, i) => (values[i] = key.tier));
      break;
    case 'period':
      warmUp(table);
      // Keys that never fall due again go last.
      table.due.forEach((due, i) => (values[i] = Number.isNaN(due) ? Infinity : due));
      break;
  }
  return values;
}

/**
 * The keys' positions in ascending order of `column`, ties by name. Sorted once per load and
 * column (the service's order already is the name order), then kept.
 */
export function orderOf(table: KeyTable, column: SortColumn): Int32Array {
  const cached = table.orders.get(column);
  if (cached) return cached;
  const order = new Int32Array(table.keys.length);
  for (let i = 0; i < order.length; i += 1) order[i] = i;
  if (column !== 'name') {
    const values = sortValues(table, column);
    order.sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
  }
  table.orders.set(column, order);
  return order;
}

type Test = (key: InventoryKey, position: number) => boolean;

/** The test a key must pass for `query`'s filters and search; null when every key passes. */
export function matcherOf(table: KeyTable, query: InventoryQuery, now: number): Test | null {
  const tests: Test[] = [];
  const { state, tier, owner, purpose, environment, location, dueWithinDays } = query;
  if (state !== null) tests.push((key) => key.state === state);
  if (tier !== null) tests.push((key) => key.tier === tier);
  if (owner !== null) tests.push((key) => key.owner === owner);
  if (purpose !== null) tests.push((key) => key.purposes.includes(purpose));
  if (environment !== null) tests.push((key) => key.environment === environment);
  if (location === 'vault' || location === 'external' || location === 'token') {
    tests.push((key) => key.location.kind === location);
  } else if (location?.startsWith('token:')) {
    const serial = location.slice('token:'.length);
    tests.push((key) => key.location.kind === 'token' && key.location.serial === serial);
  }
  const words = query.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (dueWithinDays !== null || words.length > 0) warmUp(table);
  if (dueWithinDays !== null) {
    const horizon = now + dueWithinDays * DAY_MS;
    // NaN (never due) compares false: such keys are never "due within" anything.
    tests.push((_, i) => (table.due[i] as number) <= horizon);
  }
  if (words.length > 0) {
    tests.push((_, i) => words.every((word) => (table.search[i] as string).includes(word)));
  }
  if (tests.length === 0) return null;
  return (key, i) => tests.every((test) => test(key, i));
}

/** The keys `query` shows, in its order: one walk of the column's order. */
export function shownBy(table: KeyTable, query: InventoryQuery, now: number): Shown {
  const matches = matcherOf(table, query, now);
  const { column, direction } = query.sort;
  const { keys } = table;
  if (matches === null && column === 'name' && direction === 'ascending') {
    return { table, positions: null, length: keys.length };
  }
  const order = orderOf(table, column);
  const positions = new Int32Array(keys.length);
  let length = 0;
  const step = direction === 'ascending' ? 1 : -1;
  for (let at = step > 0 ? 0 : order.length - 1; at >= 0 && at < order.length; at += step) {
    const i = order[at] as number;
    if (matches === null || matches(keys[i] as InventoryKey, i)) positions[length++] = i;
  }
  return { table, positions: positions.subarray(0, length), length };
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
