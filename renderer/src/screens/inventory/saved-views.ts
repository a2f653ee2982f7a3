import { useCallback, useState } from 'react';
import { KEY_STATES, PURPOSES, TIERS } from '../../../../electron/shared/inventory-types.ts';
import { ALL_KEYS, SORT_COLUMNS } from './inventory-rows.ts';
import type { InventoryQuery } from './inventory-rows.ts';

// Saved views: a named filter, search and sort, kept per vault in this window's local
// storage. A view holds ids, words and numbers only, never anything secret. What is read back
// is checked field by field; a view that does not parse is dropped rather than half-applied.

export interface SavedView {
  name: string;
  query: InventoryQuery;
}

/** The view every inventory has, which cannot be changed or deleted. */
export const DEFAULT_VIEW: SavedView = { name: 'All keys', query: ALL_KEYS };

const storageKey = (vaultId: string) => `keywarden.inventory.views.${vaultId}`;

const oneOf = <T>(list: readonly T[], value: unknown): value is T => list.includes(value as T);
const textOrNull = (value: unknown): value is string | null =>
  value === null || (typeof value === 'string' && value.length <= 200);

/** The query a stored value holds, or null when it is not one. */
function queryOf(value: unknown): InventoryQuery | null {
  if (typeof value !== 'object' || value === null) return null;
  const q = value as Record<string, unknown>;
  const sort = q.sort as Record<string, unknown> | null | undefined;
  const days = q.dueWithinDays;
  const valid =
    (q.state === null || oneOf(KEY_STATES, q.state)) &&
    (q.tier === null || oneOf(TIERS, q.tier)) &&
    (q.purpose === null || oneOf(PURPOSES, q.purpose)) &&
    textOrNull(q.owner) &&
    textOrNull(q.environment) &&
    textOrNull(q.location) &&
    (days === null || (Number.isInteger(days) && (days as number) >= 0)) &&
    typeof q.search === 'string' &&
    typeof sort === 'object' &&
    sort !== null &&
    oneOf(SORT_COLUMNS, sort.column) &&
    oneOf(['ascending', 'descending'], sort.direction);
  if (!valid) return null;
  return {
    state: q.state as InventoryQuery['state'],
    tier: q.tier as InventoryQuery['tier'],
    owner: q.owner as string | null,
    purpose: q.purpose as InventoryQuery['purpose'],
    environment: q.environment as string | null,
    location: q.location as string | null,
    dueWithinDays: days as number | null,
    search: q.search as string,
    sort: { ...(sort as InventoryQuery['sort']) },
  };
}

function load(vaultId: string): SavedView[] {
  try {
    const stored: unknown = JSON.parse(window.localStorage.getItem(storageKey(vaultId)) ?? '[]');
    if (!Array.isArray(stored)) return [];
    return stored.flatMap((item: unknown) => {
      const view = item as { name?: unknown; query?: unknown } | null;
      const query = queryOf(view?.query);
      const name = typeof view?.name === 'string' ? view.name.trim() : '';
      return query && name && name !== DEFAULT_VIEW.name ? [{ name, query }] : [];
    });
  } catch {
    return [];
  }
}

/** The saved views of a vault, with ways to save (replacing one of the same name) and delete. */
export function useSavedViews(vaultId: string): {
  views: SavedView[];
  save: (name: string, query: InventoryQuery) => void;
  remove: (name: string) => void;
} {
  const [views, setViews] = useState<SavedView[]>(() => load(vaultId));
  const store = useCallback(
    (next: SavedView[]) => {
      setViews(next);
      window.localStorage.setItem(storageKey(vaultId), JSON.stringify(next));
    },
    [vaultId],
  );
  const save = useCallback(
    (name: string, query: InventoryQuery) => {
      const clean = name.trim();
      const others = views.filter((view) => view.name !== clean);
      store([...others, { name: clean, query }].sort((a, b) => a.name.localeCompare(b.name)));
    },
    [views, store],
  );
  const remove = useCallback(
    (name: string) => store(views.filter((view) => view.name !== name)),
    [views, store],
  );
  return { views, save, remove };
}
