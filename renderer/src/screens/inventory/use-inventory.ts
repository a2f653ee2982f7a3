import { useCallback, useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import type { KeySummaryPage } from '../../../../electron/shared/key-summary-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import type { InventoryKey } from './inventory-rows.ts';

// Loads the whole inventory: every key's summary and the people who own them. The service
// reads every key entry once (keys:list-progress says how far it has got) and keeps that read
// while the vault is unchanged; the screen takes it a page at a time. The first page is a
// window's worth of rows, shown at once; the rest follow in pages small enough to decode
// between frames, each added to the table as it comes. Had the vault changed between two
// pages (another process on the file, say), the pages would not join up: the load starts over
// from the new read. The table filters, searches and sorts in memory; a reload follows a new key.

/** The first page: more rows than any window shows, in a reply decoded in a millisecond or two. */
export const FIRST_PAGE = 500;
/** Each later page: decoded in a few tens of milliseconds, so the page never stalls for long. */
export const PAGE = 10_000;

/** Performance marks the UI benchmark reads (test/bench/ui-inventory-bench.ts). */
export const MARKS = {
  /** The first page of keys has arrived. */
  data: 'keywarden:inventory:data',
  /** The last page has arrived: every key is in the table. */
  loaded: 'keywarden:inventory:loaded',
  /** A filter, search or sort changed. */
  query: 'keywarden:inventory:query',
  /** The rows a query shows were committed to the DOM. */
  rows: 'keywarden:inventory:rows',
} as const;

/** Sets a mark, dropping earlier ones of the name so a long session does not pile them up. */
export function mark(name: string): void {
  performance.clearMarks(name);
  performance.mark(name);
}

export interface Inventory {
  /** The keys so far: null until the first page, then growing while `loading`. */
  keys: InventoryKey[] | null;
  people: PersonView[];
  /** How many keys the vault holds, once the first page says. */
  total: number | null;
  /** How much of the vault's keys the service has read, 0 to 100; null until it first reports. */
  readPercent: number | null;
  /** While the pages come in: how many keys have, of how many. */
  arriving: { received: number; total: number } | null;
  loading: boolean;
  error: ErrorInfo | null;
  reload: () => void;
}

/**
 * Resolves after the next frame is painted (the rows just committed are on screen), or after
 * a tenth of a second, since a hidden window paints no frame.
 */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}

export function useInventory(): Inventory {
  const [state, setState] = useState<Omit<Inventory, 'reload'>>({
    keys: null,
    people: [],
    total: null,
    readPercent: null,
    arriving: null,
    loading: true,
    error: null,
  });
  const [round, setRound] = useState(0);
  // Whether a table has been shown: a reload then swaps in the new one whole.
  const shownBefore = useRef(false);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true, readPercent: null, arriving: null, error: null }));
    const stop = keywarden().on('keys:list-progress', (scan) => {
      if (!current) return;
      const readPercent = scan.total === 0 ? 100 : (scan.done / scan.total) * 100;
      setState((s) => ({ ...s, readPercent }));
    });
    const page = (offset: number, limit: number): Promise<KeySummaryPage> =>
      ask(keywarden().keys.listSummaries({ offset, limit }));
    (async () => {
      const people = ask(keywarden().people.list({}));
      // A reload keeps the table it has until the new one is whole; a first load shows rows early.
      const early = !shownBefore.current;
      let first = await page(0, early ? FIRST_PAGE : PAGE);
      const registry = await people;
      if (!current) return;
      let keys = first.keys;
      if (early) {
        mark(MARKS.data);
        // Committed at once, and painted before the next page is asked for: left to the
        // scheduler, the first rows waited behind the reply's decoding and its collection.
        flushSync(() =>
          setState({
            keys,
            people: registry,
            total: first.total,
            readPercent: 100,
            arriving: { received: keys.length, total: first.total },
            loading: keys.length < first.total,
            error: null,
          }),
        );
        shownBefore.current = true;
        await afterPaint();
      }
      while (current && keys.length < first.total) {
        const next = await page(keys.length, PAGE);
        if (!current) return;
        if (next.scan !== first.scan) {
          // The keys changed between the pages: start over from the read that saw the change.
          first = await page(0, PAGE);
          if (!current) return;
          keys = first.keys;
        } else if (next.keys.length === 0) {
          break; // cannot happen within one read, but a load must never spin
        } else {
          keys = keys.concat(next.keys);
        }
        if (keys.length >= first.total) break;
        const arriving = { received: keys.length, total: first.total };
        setState((s) =>
          early ? { ...s, keys, total: first.total, arriving } : { ...s, arriving },
        );
      }
      if (!current) return;
      mark(MARKS.loaded);
      shownBefore.current = true;
      setState({
        keys,
        people: registry,
        total: first.total,
        readPercent: 100,
        arriving: null,
        loading: false,
        error: null,
      });
    })()
      .catch((error: unknown) => {
        if (current) setState((s) => ({ ...s, loading: false, error: errorInfo(error) }));
      })
      .finally(stop);
    return () => {
      current = false;
      stop();
    };
  }, [round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}
