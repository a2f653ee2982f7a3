import { randomUUID } from 'node:crypto';
import { dueDateOf } from '../../shared/due-dates.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import type {
  KeyScanProgress,
  KeySummary,
  KeySummaryLocation,
} from '../../shared/key-summary-types.ts';
import type { KeySummaryPage } from '../../shared/key-summary-types.ts';
import type { RecordMeta, RecordStore } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { KEYS } from './key-inventory.ts';

// The inventory grid's view of every key: one pass over the vault's key entries, each entry's
// metadata opened, cut down to what the grid shows and filters on and then let go, so the
// scan holds summaries, never 100,000 whole entries. The pass reports how far it has got.
// Its sorted result is kept (KeySummaryCache) while the vault's records stay as they were, so
// the screen can take it a page at a time: the first page shows while the rest comes, and no
// page is a 28 MB reply to decode at once.

/** Progress is reported at most this often (and at the first and the last entry). */
export const PROGRESS_INTERVAL_MS = 100;
/** The clock is read once per this many entries: reading it per entry would cost more. */
const CLOCK_EVERY = 256;
/** localeCompare's order (keys:list sorts by it), without building a collator per comparison. */
const byLocale = new Intl.Collator().compare;

/** Where a key lives, without a module path or an external reference. */
function summaryLocation(location: KeyView['location']): KeySummaryLocation {
  if (location.kind === 'token') return { kind: 'token', serial: location.serial };
  return { kind: location.kind };
}

/** A stored entry's summary (stored entries always hold these fields, whatever their age). */
function summaryOf(meta: RecordMeta, id: string): KeySummary {
  const key = meta as unknown as KeyView;
  return {
    id,
    name: key.name,
    algorithm: key.algorithm,
    owner: key.owner,
    state: key.state,
    tier: key.tier,
    purposes: key.purposes,
    environment: key.environment,
    labels: key.labels,
    location: summaryLocation(key.location),
    due: dueDateOf(key.state, key.cryptoPeriod),
  };
}

/** Calls `report` with the first and last counts, and in between at most every interval. */
function throttled(report: (progress: KeyScanProgress) => void) {
  let last = Number.NEGATIVE_INFINITY;
  return (done: number, total: number) => {
    const edge = done === 0 || done === total;
    if (!edge && done % CLOCK_EVERY !== 0) return;
    const now = performance.now();
    if (!edge && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    report({ done, total });
  };
}

/** One scan's sorted summaries, and the vault's record set it was read from. */
interface Scan {
  /** The record set's MAC (record-set.ts) when read: any record added, changed or removed moves it. */
  recordSet: Buffer;
  /** Names this scan to the caller, so pages of different scans are never mixed. */
  id: string;
  keys: KeySummary[];
}

/**
 * The last scan of each unlocked vault, kept while its records are unchanged. Held by the
 * vault object (weakly), so a locked vault's scan goes with it. Holds no key material.
 */
export class KeySummaryCache {
  private readonly scans = new WeakMap<UnlockedVault, Scan>();

  /** The vault's kept scan, if it was read from `recordSet`. */
  get(vault: UnlockedVault, recordSet: Buffer): Scan | undefined {
    const scan = this.scans.get(vault);
    return scan?.recordSet.equals(recordSet) ? scan : undefined;
  }

  set(vault: UnlockedVault, scan: Scan): void {
    this.scans.set(vault, scan);
  }
}

/** Reads every key entry's summary, sorted by name then id, reporting through `report`. */
function scanSummaries(
  records: RecordStore,
  report: ((done: number, total: number) => void) | undefined,
): KeySummary[] {
  const summaries: KeySummary[] = [];
  let started = false;
  records.scan(
    KEYS,
    (record) => summaries.push(summaryOf(record.meta, record.recordId)),
    report &&
      ((read, rows) => {
        if (!started) report(0, rows);
        started = true;
        report(read, rows);
      }),
  );
  // An empty collection has no rows to report on: the scan is over as it begins.
  if (report && !started) report(0, 0);
  return summaries.sort((a, b) => byLocale(a.name, b.name) || byLocale(a.id, b.id));
}

/**
 * A page of every key's summary, by name then id (keys:list's order): `offset` keys skipped,
 * at most `limit` given, the number of keys in all, and the scan the page comes from. With a
 * `cache`, a vault whose records are unchanged since its last scan is not read again: the
 * page comes from that scan, under the same scan id, and `progress` hears nothing. Otherwise
 * `progress` hears `{ done: 0, total }` before the scan, `{ done: total, total }` after it
 * (total counts the collection's entries), and the count in between at most every
 * PROGRESS_INTERVAL_MS. Throws RECORD_TAMPERED, VAULT_LOCKED.
 */
export function listKeySummaries(
  vault: UnlockedVault,
  page: { offset?: number | undefined; limit?: number | undefined },
  progress?: (progress: KeyScanProgress) => void,
  cache?: KeySummaryCache,
): KeySummaryPage {
  const report = progress ? throttled(progress) : undefined;
  const scan = vault.query((records) => {
    // Read in the same snapshot as the scan, so the kept scan is named by what it read.
    const recordSet = Buffer.from(records.set.current());
    const kept = cache?.get(vault, recordSet);
    if (kept) return kept;
    const fresh = { recordSet, id: randomUUID(), keys: scanSummaries(records, report) };
    cache?.set(vault, fresh);
    return fresh;
  });
  const offset = page.offset ?? 0;
  const end = page.limit === undefined ? undefined : offset + page.limit;
  return { keys: scan.keys.slice(offset, end), total: scan.keys.length, scan: scan.id };
}
