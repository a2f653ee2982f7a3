import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { Key, Selection } from 'react-aria-components';
import type { AuditEntry } from '../../../../electron/shared/vault-types.ts';
import { dayAndClock } from './audit-time.ts';

// The log, newest first, a page at a time: a grid a person moves through with the arrow keys,
// where selecting an entry shows its detail beside it.

export const PAGE_SIZE = 25;

export function AuditLog({
  entries,
  page,
  onPage,
  selected,
  onSelect,
  emptyWords,
  brokenAt,
}: {
  /** The entries to show, newest first, already filtered. */
  entries: readonly AuditEntry[];
  page: number;
  onPage: (page: number) => void;
  selected: number | null;
  onSelect: (seq: number | null) => void;
  emptyWords: string;
  /** The first entry a verification found bad, marked in the log. */
  brokenAt: number | null;
}) {
  const pages = Math.max(1, Math.ceil(entries.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const shown = entries.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const first = entries.length === 0 ? 0 : current * PAGE_SIZE + 1;
  const last = current * PAGE_SIZE + shown.length;
  const onSelection = (keys: Selection) => {
    if (keys === 'all') return;
    const [key] = keys as Set<Key>;
    onSelect(key === undefined ? null : Number(key));
  };
  return (
    <div className="audit-log">
      <Table
        aria-label="Audit entries, newest first"
        className="table audit-table"
        selectionMode="single"
        selectionBehavior="replace"
        selectedKeys={selected === null ? [] : [selected]}
        onSelectionChange={onSelection}
      >
        <TableHeader>
          <Column isRowHeader className="audit-col-seq">
            #
          </Column>
          <Column>When</Column>
          <Column>Actor</Column>
          <Column>Action</Column>
          <Column>Target</Column>
          <Column>Outcome</Column>
        </TableHeader>
        <TableBody
          items={shown}
          renderEmptyState={() => <p className="audit-empty">{emptyWords}</p>}
        >
          {(entry) => (
            <Row
              id={entry.seq}
              data-seq={entry.seq}
              className={entry.seq === brokenAt ? 'audit-row audit-row-broken' : 'audit-row'}
              textValue={`#${entry.seq} ${entry.action}`}
            >
              <Cell className="audit-seq">{entry.seq}</Cell>
              <Cell className="audit-time">
                <time dateTime={entry.at}>
                  {dayAndClock(entry.at).day}
                  <span className="audit-clock">{dayAndClock(entry.at).clock}</span>
                </time>
              </Cell>
              <Cell>{entry.actor}</Cell>
              <Cell className="audit-action-cell">{entry.action}</Cell>
              <Cell className="audit-target">
                <span title={entry.target}>{entry.target}</span>
              </Cell>
              <Cell>
                <span
                  className={`badge ${entry.outcome === 'success' ? 'badge-ok' : 'badge-danger'}`}
                >
                  {entry.outcome}
                </span>
                {entry.seq === brokenAt && (
                  <span className="badge badge-danger audit-broken-badge">chain breaks here</span>
                )}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <div className="audit-pages">
        <Button className="button" isDisabled={current === 0} onPress={() => onPage(0)}>
          Newest
        </Button>
        <Button className="button" isDisabled={current === 0} onPress={() => onPage(current - 1)}>
          Newer
        </Button>
        <span className="audit-page-words" aria-live="polite">
          {entries.length === 0
            ? 'No entries'
            : first === last
              ? `Entry ${first.toLocaleString()} of ${entries.length.toLocaleString()}`
              : `Entries ${first.toLocaleString()}–${last.toLocaleString()} of ${entries.length.toLocaleString()} · page ${current + 1} of ${pages}`}
        </span>
        <Button
          className="button"
          isDisabled={current >= pages - 1}
          onPress={() => onPage(current + 1)}
        >
          Older
        </Button>
        <Button
          className="button"
          isDisabled={current >= pages - 1}
          onPress={() => onPage(pages - 1)}
        >
          Oldest
        </Button>
      </div>
    </div>
  );
}
