import { dueDateOf } from '../../shared/due-dates.ts';
import type { KeyView } from '../../shared/inventory-types.ts';
import type {
  KeyScanProgress,
  KeySummary,
  KeySummaryLocation,
} from '../../shared/key-summary-types.ts';
import type { KeySummaryPage } from '../../shared/key-summary-types.ts';
import type { RecordMeta } from '../vault/record-store.ts';
import type { UnlockedVault } from '../vault/unlocked-vault.ts';
import { KEYS } from './key-inventory.ts';

// The inventory grid's view of every key: one pass over the vault's key entries, each entry's
// metadata opened, cut down to what the grid shows and filters on and then let go, so the
// scan holds summaries, never 100,000 whole entries. The pass reports how far it has got.

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

/**
 * A page of every key's summary, by name then id (keys:list's order): `offset` keys skipped,
 * at most `limit` given, and the number of keys in all. `progress` hears `{ done: 0, total }`
 * before the scan, `{ done: total, total }` after it (total counts the collection's entries),
 * and the count in between at most every PROGRESS_INTERVAL_MS. Throws RECORD_TAMPERED,
 * VAULT_LOCKED.
 */
export function listKeySummaries(
  vault: UnlockedVault,
  page: { offset?: number | undefined; limit?: number | undefined },
  progress?: (progress: KeyScanProgress) => void,
): KeySummaryPage {
  const report = progress ? throttled(progress) : undefined;
  const keys = vault.query((records) => {
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
    return summaries;
  });
  keys.sort((a, b) => byLocale(a.name, b.name) || byLocale(a.id, b.id));
  const offset = page.offset ?? 0;
  const end = page.limit === undefined ? undefined : offset + page.limit;
  return { keys: keys.slice(offset, end), total: keys.length };
}
