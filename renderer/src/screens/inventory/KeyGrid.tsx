import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import type { Range } from '@tanstack/react-virtual';
import { hrefOf, navigate } from '../../router.ts';
import { dueOf, keyAt, locationOf, ownerOf, periodWords } from './inventory-rows.ts';
import type { InventoryKey, Shown, SortColumn, SortDirection } from './inventory-rows.ts';
import { MARKS, mark } from './use-inventory.ts';

// The inventory as an ARIA grid of rows: only the rows in view (and the focused one) are in
// the DOM, at a fixed height, under a header that stays put. The column headers sort (with
// aria-sort); one row at a time is in the tab order, the arrow keys, Page Up/Down and
// Home/End move between rows, and Enter or a click opens the key.

export const ROW_HEIGHT = 40;
const HEADER_HEIGHT = 42;

const COLUMNS: ReadonlyArray<{ id: SortColumn; label: string }> = [
  { id: 'name', label: 'Name' },
  { id: 'algorithm', label: 'Algorithm' },
  { id: 'owner', label: 'Owner' },
  { id: 'state', label: 'State' },
  { id: 'tier', label: 'Tier' },
  { id: 'location', label: 'Location' },
  { id: 'period', label: 'Crypto-period left' },
];

const TONE_CLASS = {
  ok: '',
  soon: 'badge badge-warn',
  overdue: 'badge badge-danger',
  ended: 'inv-muted',
} as const;

const STATE_CLASS: Partial<Record<string, string>> = {
  active: 'badge badge-ok',
  suspended: 'badge badge-warn',
  compromised: 'badge badge-danger',
  'destroyed-compromised': 'badge badge-danger',
  'destruction-pending': 'badge badge-warn',
};

const Row = memo(function Row(props: {
  keyView: InventoryKey;
  owner: string;
  position: number;
  start: number;
  active: boolean;
  fresh: boolean;
  now: number;
  onActivate: (position: number) => void;
}) {
  const { keyView: key, owner, position, start, active, fresh, now, onActivate } = props;
  const period = periodWords(dueOf(key), now);
  const location = locationOf(key);
  const href = hrefOf({ screen: 'key', id: key.id });
  return (
    <div
      role="row"
      aria-rowindex={position + 2}
      tabIndex={active ? 0 : -1}
      data-position={position}
      data-odd={position % 2 === 1 || undefined}
      data-active={active || undefined}
      data-fresh={fresh || undefined}
      className="inv-row"
      style={{ transform: `translateY(${start}px)` }}
      onFocus={() => onActivate(position)}
      onClick={(event) => {
        // A click on the name is the link's own; anywhere else on the row opens the key too.
        if (!(event.target as Element).closest('a')) navigate({ screen: 'key', id: key.id });
      }}
    >
      <div role="gridcell" className="inv-cell inv-name" title={key.name}>
        <a href={href} tabIndex={-1}>
          {key.name}
        </a>
      </div>
      <div role="gridcell" className="inv-cell">
        {key.algorithm}
      </div>
      <div role="gridcell" className="inv-cell">
        {owner}
      </div>
      <div role="gridcell" className="inv-cell">
        <span className={STATE_CLASS[key.state] ?? 'badge'}>{key.state}</span>
      </div>
      <div role="gridcell" className="inv-cell">
        {key.tier}
      </div>
      <div role="gridcell" className="inv-cell" title={location}>
        {location}
      </div>
      <div role="gridcell" className="inv-cell">
        <span className={TONE_CLASS[period.tone]}>{period.text}</span>
      </div>
    </div>
  );
});

/** Memoized: a query change re-renders it only once the rows it shows have changed. */
export const KeyGrid = memo(function KeyGrid(props: {
  shown: Shown;
  sort: { column: SortColumn; direction: SortDirection };
  onSort: (column: SortColumn) => void;
  /** Make this key the active row (after it was created), scrolled into view. */
  reveal: string | null;
  now: number;
}) {
  const { shown, sort, onSort, reveal, now } = props;
  const count = shown.length;
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const focusPending = useRef(false);
  /** Whether a row has focus (still true when the focused row left the DOM without a blur). */
  const rowFocused = useRef(false);
  // Bumped to move focus to the active row even when its position has not changed.
  const [focusRound, setFocusRound] = useState(0);
  const activeIndex = Math.min(active, count - 1);

  // The focused row stays in the DOM when scrolled away, so focus is never lost.
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      if (activeIndex >= 0 && !indexes.includes(activeIndex)) {
        indexes.push(activeIndex);
        indexes.sort((a, b) => a - b);
      }
      return indexes;
    },
    [activeIndex],
  );
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    // Few rows beyond the view: a fast scroll replaces every rendered row in each frame.
    overscan: 4,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    rangeExtractor,
  });

  // The rows a query shows are in the DOM now (the UI benchmark times from here to the paint).
  useLayoutEffect(() => mark(MARKS.rows), [shown]);

  // A new list (filtered, sorted, reloaded) starts at its top, or at the key to reveal.
  useEffect(() => {
    let at = -1;
    for (let i = 0; reveal !== null && i < count && at < 0; i += 1) {
      if (keyAt(shown, i)?.id === reveal) at = i;
    }
    setActive(Math.max(at, 0));
    // A row that had focus may now be another key's, or gone: focus follows the active row.
    if (rowFocused.current) {
      focusPending.current = true;
      setFocusRound((n) => n + 1);
    }
    if (at >= 0) virtualizer.scrollToIndex(at, { align: 'center' });
    else if (scroller.current) scroller.current.scrollTop = 0;
    // Only when the list itself changes: the virtualizer is the same object throughout.
  }, [shown, reveal]);

  useLayoutEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    scroller.current
      ?.querySelector<HTMLElement>(`[data-position="${activeIndex}"]`)
      ?.focus({ preventScroll: true });
  }, [activeIndex, focusRound]);

  const moveTo = (position: number) => {
    const to = Math.max(0, Math.min(count - 1, position));
    focusPending.current = true;
    setActive(to);
    virtualizer.scrollToIndex(to, { align: 'auto' });
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (target.getAttribute('role') !== 'row' || count === 0) return;
    const page = Math.max(
      1,
      Math.floor(((scroller.current?.clientHeight ?? 0) - HEADER_HEIGHT) / ROW_HEIGHT) - 1,
    );
    const moves: Record<string, number> = {
      ArrowDown: activeIndex + 1,
      ArrowUp: activeIndex - 1,
      PageDown: activeIndex + page,
      PageUp: activeIndex - page,
      Home: 0,
      End: count - 1,
    };
    const to = moves[event.key];
    if (to !== undefined) {
      event.preventDefault();
      moveTo(to);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const key = keyAt(shown, activeIndex);
      if (key) navigate({ screen: 'key', id: key.id });
    }
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={scroller}
      role="grid"
      aria-label="Keys"
      aria-rowcount={count + 1}
      aria-colcount={COLUMNS.length}
      className="inv-grid"
      onKeyDown={onKeyDown}
      onFocus={(event) => (rowFocused.current = event.target.getAttribute('role') === 'row')}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget)) rowFocused.current = false;
      }}
    >
      <div role="rowgroup" className="inv-head">
        <div role="row" aria-rowindex={1} className="inv-row inv-head-row">
          {COLUMNS.map((column) => {
            const sorted = sort.column === column.id ? sort.direction : undefined;
            return (
              <div
                key={column.id}
                role="columnheader"
                aria-sort={sorted ?? 'none'}
                className="inv-cell"
              >
                <Button className="inv-sort" onPress={() => onSort(column.id)}>
                  {column.label}
                  <span aria-hidden="true" className="inv-sort-mark">
                    {sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : ''}
                  </span>
                </Button>
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" className="inv-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const key = keyAt(shown, item.index);
          if (!key) return null;
          return (
            <Row
              key={key.id}
              keyView={key}
              owner={ownerOf(shown.table, key)}
              position={item.index}
              start={item.start - HEADER_HEIGHT}
              active={item.index === activeIndex}
              fresh={key.id === reveal}
              now={now}
              onActivate={setActive}
            />
          );
        })}
      </div>
    </div>
  );
});
