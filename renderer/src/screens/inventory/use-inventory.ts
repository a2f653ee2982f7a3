import { useCallback, useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import type { KeyScanProgress } from '../../../../electron/shared/key-summary-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import type { InventoryKey } from './inventory-rows.ts';

// Loads the whole inventory once: every key's summary (keys:list-summaries, in pages of the
// most it gives at once, since each call reads every entry whatever it returns) and the people
// who own them. The service reports how far each call's scan of the vault has got
// (keys:list-progress), so the screen shows how much of the load is done. The table filters,
// searches and sorts in memory after that; a reload follows a new key.

/** The most keys one keys:list-summaries call returns. */
const PAGE = 100_000;

/** Performance marks the UI benchmark reads (test/bench/ui-inventory-bench.ts). */
export const MARKS = {
  /** The last keys:list-summaries reply has arrived. */
  data: 'keywarden:inventory:data',
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
  keys: InventoryKey[] | null;
  people: PersonView[];
  /** Keys received so far while loading. */
  received: number;
  /** How much of the load is done, 0 to 100; null until the service first reports. */
  percent: number | null;
  loading: boolean;
  error: ErrorInfo | null;
  reload: () => void;
}

/** The share of the whole load done: `page` pages read of `pages`, and the current scan's part. */
function percentOf(page: number, pages: number, scan: KeyScanProgress): number {
  const part = scan.total === 0 ? 1 : scan.done / scan.total;
  return Math.min(100, ((page + part) / Math.max(pages, 1)) * 100);
}

export function useInventory(): Inventory {
  const [state, setState] = useState<Omit<Inventory, 'reload'>>({
    keys: null,
    people: [],
    received: 0,
    percent: null,
    loading: true,
    error: null,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    // Which page is being read, and how many there will be (known from the first scan's total).
    let page = 0;
    let pages = 1;
    setState((s) => ({ ...s, loading: true, received: 0, percent: null, error: null }));
    const stop = keywarden().on('keys:list-progress', (scan) => {
      if (!current) return;
      if (page === 0) pages = Math.ceil(scan.total / PAGE);
      setState((s) => ({ ...s, percent: percentOf(page, pages, scan) }));
    });
    (async () => {
      const people = ask(keywarden().people.list({}));
      const keys: InventoryKey[] = [];
      for (;;) {
        const reply = await ask(
          keywarden().keys.listSummaries({ offset: keys.length, limit: PAGE }),
        );
        for (const key of reply.keys) keys.push(key);
        if (!current) return;
        if (reply.keys.length < PAGE || keys.length >= reply.total) break;
        page += 1;
        pages = Math.ceil(reply.total / PAGE);
        setState((s) => ({ ...s, received: keys.length }));
      }
      const registry = await people;
      if (!current) return;
      mark(MARKS.data);
      // Rendered at once: left to the scheduler, the first rows waited behind the collection
      // of the reply's garbage that follows a 100,000-key load (200-300 ms, measured).
      flushSync(() =>
        setState({
          keys,
          people: registry,
          received: keys.length,
          percent: 100,
          loading: false,
          error: null,
        }),
      );
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
