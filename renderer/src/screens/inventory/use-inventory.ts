import { useCallback, useEffect, useState } from 'react';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import { inventoryKey } from './inventory-rows.ts';
import type { InventoryKey } from './inventory-rows.ts';

// Loads the whole inventory once: every key (in pages of the most keys:list gives at once,
// since each call reads every entry whatever it returns) and the people who own them. The
// table filters, searches and sorts in memory after that; a reload follows a new key.

/** The most keys one keys:list call returns. */
const PAGE = 100_000;

/** Performance marks the UI benchmark reads (test/bench/ui-inventory-bench.ts). */
export const MARKS = {
  /** The last keys:list reply has arrived. */
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
  loading: boolean;
  error: ErrorInfo | null;
  reload: () => void;
}

export function useInventory(): Inventory {
  const [state, setState] = useState<Omit<Inventory, 'reload'>>({
    keys: null,
    people: [],
    received: 0,
    loading: true,
    error: null,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true, received: 0, error: null }));
    (async () => {
      const people = ask(keywarden().people.list({}));
      const keys: InventoryKey[] = [];
      for (;;) {
        const page = await ask(keywarden().keys.list({ offset: keys.length, limit: PAGE }));
        // Only the inventory's fields are kept: each page's KeyViews are let go at once.
        for (const key of page) keys.push(inventoryKey(key));
        if (!current) return;
        if (page.length < PAGE) break;
        setState((s) => ({ ...s, received: keys.length }));
      }
      const registry = await people;
      if (!current) return;
      mark(MARKS.data);
      setState({ keys, people: registry, received: keys.length, loading: false, error: null });
    })().catch((error: unknown) => {
      if (current) setState((s) => ({ ...s, loading: false, error: errorInfo(error) }));
    });
    return () => {
      current = false;
    };
  }, [round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}
