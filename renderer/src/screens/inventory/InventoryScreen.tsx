import { useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { Button } from 'react-aria-components';
import type { KeyView } from '../../../../electron/shared/inventory-types.ts';
import type { ScreenProps } from '../screens.tsx';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import { InventoryFilters } from './InventoryFilters.tsx';
import { KeyGrid } from './KeyGrid.tsx';
import { NewKeyDialog } from './NewKeyDialog.tsx';
import { SavedViews } from './SavedViews.tsx';
import { ALL_KEYS, keyAt, shownBy, tableOf, warmUp } from './inventory-rows.ts';
import type { InventoryQuery, SortColumn } from './inventory-rows.ts';
import { useSavedViews } from './saved-views.ts';
import { MARKS, mark, useInventory } from './use-inventory.ts';
import type { Inventory } from './use-inventory.ts';
import './inventory.css';

// The key inventory: every key in the vault, loaded once (the first rows show while the rest
// arrive), then filtered, searched and sorted here in memory (a 100,000-key inventory answers
// each change in milliseconds), with saved views, and the "New key" dialog. A row opens the
// key's own screen.

const count = (n: number) => n.toLocaleString('en');
/** Keys given their due time and search text per task in the background: a few milliseconds' work. */
const WARM_UP_SLICE = 5_000;

/**
 * Renders `children` one render after the first: the table's first rows are painted before
 * the filters' dozen React Aria selects are built, which would otherwise delay them.
 */
function Later(props: { placeholder: React.ReactNode; children: React.ReactNode }) {
  const ready = useDeferredValue(true, false);
  return ready ? props.children : props.placeholder;
}

/** How far the load has got: the service reading the vault's keys, then the pages arriving. */
function LoadProgress({ inventory }: { inventory: Inventory }) {
  const { arriving, readPercent } = inventory;
  if (arriving) {
    return (
      <Progress
        label={`Loading the inventory… ${count(arriving.received)} of ${count(arriving.total)} keys`}
        value={arriving.total === 0 ? 100 : (arriving.received / arriving.total) * 100}
      />
    );
  }
  return (
    <Progress
      label="Loading the inventory… reading the vault's keys"
      {...(readPercent === null ? {} : { value: readPercent })}
    />
  );
}

export function InventoryScreen({ vault }: ScreenProps & { id?: string }) {
  const inventory = useInventory();
  const saved = useSavedViews(vault.vaultId);
  const [query, setQuery] = useState<InventoryQuery>(ALL_KEYS);
  // Typing stays quick: the table follows the latest query as soon as it can.
  const shownQuery = useDeferredValue(query);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<KeyView | null>(null);
  // The new key is brought into view once, until the person changes what is shown.
  const [reveal, setReveal] = useState<string | null>(null);

  const { keys, people } = inventory;
  // The crypto-periods left are counted from when the inventory was read.
  const now = useMemo(() => Date.now(), [keys]);
  const table = useMemo(() => tableOf(keys ?? [], people), [keys, people]);
  const shown = useMemo(() => shownBy(table, shownQuery, now), [table, shownQuery, now]);
  // What filters and the search need is worked out after the first rows show, a slice per
  // task, so neither the first paint nor scrolling waits for it.
  useEffect(() => {
    let timer = 0;
    const slice = () => {
      if (warmUp(table, WARM_UP_SLICE)) timer = window.setTimeout(slice, 0);
    };
    timer = window.setTimeout(slice, 0);
    return () => window.clearTimeout(timer);
  }, [table]);

  // Stable callbacks, so a query change re-renders the filters once and the grid once.
  const change = useCallback((update: (query: InventoryQuery) => InventoryQuery) => {
    mark(MARKS.query);
    setReveal(null);
    setQuery(update);
  }, []);
  const sortBy = useCallback(
    (column: SortColumn) =>
      change((q) => ({
        ...q,
        sort: {
          column,
          direction:
            q.sort.column === column && q.sort.direction === 'ascending'
              ? 'descending'
              : 'ascending',
        },
      })),
    [change],
  );
  const filter = useCallback(
    (partial: Partial<InventoryQuery>) => change((q) => ({ ...q, ...partial })),
    [change],
  );
  const clear = useCallback(() => change((q) => ({ ...ALL_KEYS, sort: q.sort })), [change]);
  const apply = useCallback((view: InventoryQuery) => change(() => view), [change]);
  const { save } = saved;
  const saveView = useCallback((name: string) => save(name, query), [save, query]);
  const onCreated = (key: KeyView) => {
    setCreating(false);
    setCreated(key);
    setReveal(key.id);
    inventory.reload();
  };
  const newKey = (
    <Button className="button button-primary" onPress={() => setCreating(true)}>
      New key
    </Button>
  );
  const createdHidden = useMemo(() => {
    if (created === null) return false;
    for (let i = 0; i < shown.length; i += 1) if (keyAt(shown, i)?.id === created.id) return false;
    return true;
  }, [created, shown]);

  return (
    <div className="inventory">
      <PageHeader title="Keys">{keys && keys.length > 0 && newKey}</PageHeader>
      {inventory.loading && <LoadProgress inventory={inventory} />}
      {inventory.error && (
        <div className="inv-error">
          <ErrorNote error={inventory.error} />
          <Button className="button" onPress={inventory.reload}>
            Try again
          </Button>
        </div>
      )}
      {created && (
        <div className="note inv-created" role="status">
          Key <strong>{created.name}</strong> generated{' '}
          {created.location.kind === 'token'
            ? `on token ${created.location.serial}`
            : 'in the vault'}
          . <a href={hrefOf({ screen: 'key', id: created.id })}>Open it</a>
          {createdHidden && ' (the current filters hide it in the table)'}
        </div>
      )}
      {keys && keys.length === 0 && !inventory.loading && (
        <section className="card inv-empty" aria-labelledby="inv-empty-title">
          <h2 id="inv-empty-title">No keys yet</h2>
          <p>
            This vault holds no keys. Generate the first one in the vault or on a token; keys
            imported or registered elsewhere show here too.
          </p>
          {newKey}
        </section>
      )}
      {keys && keys.length > 0 && (
        <>
          <Later placeholder={<div className="inv-controls-placeholder" />}>
            <SavedViews
              query={query}
              views={saved.views}
              onApply={apply}
              onSave={saveView}
              onDelete={saved.remove}
            />
            <InventoryFilters
              query={query}
              onChange={filter}
              onClear={clear}
              keys={table.keys}
              people={people}
            />
          </Later>
          <p className="inv-count" role="status">
            {shown.length === table.keys.length
              ? `${count(shown.length)} keys`
              : `${count(shown.length)} of ${count(table.keys.length)} keys`}
            {inventory.total !== null && table.keys.length < inventory.total && ' so far'}
          </p>
          {shown.length > 0 ? (
            <KeyGrid shown={shown} sort={query.sort} onSort={sortBy} reveal={reveal} now={now} />
          ) : (
            <div className="card inv-none">
              <p>No key matches these filters.</p>
              <Button className="button" onPress={clear}>
                Clear filters
              </Button>
            </div>
          )}
        </>
      )}
      <NewKeyDialog
        isOpen={creating}
        onOpenChange={setCreating}
        people={people}
        onCreated={onCreated}
      />
    </div>
  );
}
