import { useState } from 'react';
import { Button, ToggleButton, ToggleButtonGroup } from 'react-aria-components';
import type { Key } from 'react-aria-components';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import { hrefOf } from '../../router.ts';
import { TIER_WORDS, dueWithin, dueWords, formatDate, groupDue } from './due-keys.ts';
import type { DueCounts, DueKey, Grouping } from './due-keys.ts';

// The top of the dashboard: how many keys are overdue and due soon, and the keys themselves
// grouped by owner or by tier, each linking to its key screen.

/** Rows a group shows until the person asks for all of them (a large inventory stays readable). */
const GROUP_ROWS = 20;

const HORIZONS = [
  { id: '30', days: 30, label: '30 days' },
  { id: '90', days: 90, label: '90 days' },
  { id: '365', days: 365, label: '12 months' },
] as const;

/** The three counts, each as a labelled figure. */
export function DueSummary({ counts }: { counts: DueCounts }) {
  const figures = [
    {
      id: 'overdue',
      label: 'Overdue',
      value: counts.overdue,
      tone: counts.overdue > 0 ? 'danger' : 'ok',
      hint: 'Past the end of their period',
    },
    {
      id: 'within30',
      label: 'Due within 30 days',
      value: counts.within30,
      tone: counts.within30 > 0 ? 'warn' : 'ok',
      hint: 'Not yet overdue',
    },
    {
      id: 'within90',
      label: 'Due within 90 days',
      value: counts.within90,
      tone: 'neutral',
      hint: 'Including those within 30 days',
    },
  ] as const;
  return (
    <dl className="due-summary">
      {figures.map((figure) => (
        <div key={figure.id} className={`due-figure due-figure-${figure.tone}`}>
          <dt>{figure.label}</dt>
          <dd>
            <span className="due-figure-value" data-testid={`count-${figure.id}`}>
              {figure.value}
            </span>
            <span className="hint">{figure.hint}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function singleKey(keys: Set<Key>, fallback: string): string {
  const [first] = keys;
  return first === undefined ? fallback : String(first);
}

/** The due and overdue keys within a chosen horizon, grouped by owner or by tier. */
export function DueTable({
  due,
  people,
  now,
}: {
  due: readonly DueKey[];
  people: ReadonlyMap<string, PersonView>;
  now: Date;
}) {
  const [grouping, setGrouping] = useState<Grouping>('owner');
  const [horizon, setHorizon] = useState<string>('90');
  /** The groups shown whole. */
  const [whole, setWhole] = useState<ReadonlySet<string>>(new Set());
  const days = HORIZONS.find((h) => h.id === horizon)?.days ?? 90;
  const rows = dueWithin(due, days, now);
  const groups = groupDue(rows, grouping, people);
  const ownerName = (id: string) => people.get(id)?.name ?? id;
  const horizonWords = HORIZONS.find((h) => h.id === horizon)?.label ?? '90 days';
  return (
    <>
      <div className="due-controls">
        <div className="due-control">
          <span className="due-control-label" id="due-horizon-label">
            Show keys due within
          </span>
          <ToggleButtonGroup
            className="segmented"
            aria-labelledby="due-horizon-label"
            selectionMode="single"
            disallowEmptySelection
            selectedKeys={[horizon]}
            onSelectionChange={(keys) => setHorizon(singleKey(keys, '90'))}
          >
            {HORIZONS.map((h) => (
              <ToggleButton key={h.id} id={h.id} className="segmented-button">
                {h.label}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
        </div>
        <div className="due-control">
          <span className="due-control-label" id="due-grouping-label">
            Group by
          </span>
          <ToggleButtonGroup
            className="segmented"
            aria-labelledby="due-grouping-label"
            selectionMode="single"
            disallowEmptySelection
            selectedKeys={[grouping]}
            onSelectionChange={(keys) => setGrouping(singleKey(keys, 'owner') as Grouping)}
          >
            <ToggleButton id="owner" className="segmented-button">
              Owner
            </ToggleButton>
            <ToggleButton id="tier" className="segmented-button">
              Tier
            </ToggleButton>
          </ToggleButtonGroup>
        </div>
      </div>
      {rows.length === 0 ? (
        <p className="note due-empty">
          No key is overdue or due within {horizonWords}. Choose a longer horizon above to look
          further ahead.
        </p>
      ) : (
        <table className="table due-table">
          <caption className="visually-hidden">
            Keys overdue or due within {horizonWords}, by {grouping}
          </caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">{grouping === 'owner' ? 'Tier' : 'Owner'}</th>
              <th scope="col">State</th>
              <th scope="col">Period end</th>
              <th scope="col">Due</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          {groups.map((group) => (
            <tbody key={group.id} data-group={group.title}>
              <tr className="due-group-row">
                <th scope="rowgroup" colSpan={6}>
                  {group.title}{' '}
                  <span className="hint">
                    {group.rows.length} key{group.rows.length === 1 ? '' : 's'}
                  </span>
                </th>
              </tr>
              {(whole.has(group.id) ? group.rows : group.rows.slice(0, GROUP_ROWS)).map((row) => (
                <tr key={row.key.id}>
                  <td>
                    <a href={hrefOf({ screen: 'key', id: row.key.id })}>{row.key.name}</a>
                    <span className="due-algorithm">{row.key.algorithm}</span>
                  </td>
                  <td>
                    {grouping === 'owner' ? TIER_WORDS[row.key.tier] : ownerName(row.key.owner)}
                  </td>
                  <td>{row.key.state}</td>
                  <td>{row.end === 'originator' ? 'Originator usage' : 'Recipient usage'}</td>
                  <td>
                    <time dateTime={row.due.toISOString()}>{formatDate(row.due)}</time>
                  </td>
                  <td>
                    <span
                      className={`badge ${row.overdue ? 'badge-danger' : row.days <= 30 ? 'badge-warn' : ''}`}
                    >
                      {dueWords(row)}
                    </span>
                  </td>
                </tr>
              ))}
              {group.rows.length > GROUP_ROWS && !whole.has(group.id) && (
                <tr>
                  <td colSpan={6}>
                    <Button
                      className="button button-quiet"
                      onPress={() => setWhole((all) => new Set(all).add(group.id))}
                    >
                      Show all {group.rows.length} keys of {group.title}
                    </Button>
                  </td>
                </tr>
              )}
            </tbody>
          ))}
        </table>
      )}
    </>
  );
}
