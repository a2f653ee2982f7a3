import { useMemo, useState } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import type { PersonView, PolicyTable } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useQuery } from '../../api.ts';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import type { ScreenProps } from '../screens.tsx';
import { DueChart } from './DueChart.tsx';
import { DueSummary, DueTable } from './DueKeys.tsx';
import { PolicyEditor } from './PolicyEditor.tsx';
import { chartHorizonDays, countDue, dueOf, originatorEndsByMonth } from './due-keys.ts';
import type { DueKey } from './due-keys.ts';
import './periods.css';

// Crypto-periods: which keys are overdue or due soon, by owner and by tier; how many reach the
// end of their originator usage in each of the next 12 months; and the vault's policy table,
// which an officer edits here.

/** What the dashboard shows, read at one moment (`now`). */
async function loadDashboard() {
  const now = new Date();
  // Only the keys due by the end of the chart's last month cross the boundary, overdue ones
  // included (keys:list's dueWithinDays), so a large inventory stays cheap to chart.
  const [keys, people, anyKey] = await Promise.all([
    ask(keywarden().keys.list({ dueWithinDays: chartHorizonDays(now) })),
    ask(keywarden().people.list({})),
    ask(keywarden().keys.list({ limit: 1 })),
  ]);
  return { now, keys, people, inventoryEmpty: anyKey.length === 0 };
}

function Dashboard() {
  const query = useQuery(loadDashboard);
  const view = useMemo(() => {
    if (!query.data) return null;
    const { now, keys, people } = query.data;
    const due = keys.map((key) => dueOf(key, now)).filter((d): d is DueKey => d !== null);
    return {
      now,
      due,
      counts: countDue(due, now),
      months: originatorEndsByMonth(keys, now),
      people: new Map<string, PersonView>(people.map((person) => [person.id, person])),
    };
  }, [query.data]);

  if (query.loading && !view) return <Progress label="Reading the inventory…" />;
  if (query.error) return <ErrorNote error={query.error} />;
  if (!view || !query.data) return null;
  if (query.data.inventoryEmpty) {
    return (
      <p className="note">
        The inventory has no keys yet, so nothing is due. Generate, import or register keys on the{' '}
        <a href={hrefOf({ screen: 'inventory' })}>Keys</a> screen; their crypto-periods come from
        the policy table.
      </p>
    );
  }
  return (
    <>
      <section className="card" aria-labelledby="due-heading">
        <h2 id="due-heading">Due and overdue</h2>
        <DueSummary counts={view.counts} />
        <DueTable due={view.due} people={view.people} now={view.now} />
      </section>
      <section className="card" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Originator usage ending in the next 12 months</h2>
        <p className="hint">
          Keys still in use (active, suspended or awaiting activation) by the month their originator
          usage period ends. Overdue keys are counted above.
        </p>
        <DueChart months={view.months} />
      </section>
    </>
  );
}

function Policy() {
  const query = useQuery(async () => ask(keywarden().policy.show({})));
  const [table, setTable] = useState<PolicyTable | null>(null);
  const current = table ?? query.data;
  if (query.loading && !current) return <Progress label="Reading the policy…" />;
  if (query.error) return <ErrorNote error={query.error} />;
  if (!current) return null;
  return <PolicyEditor table={current} onSaved={setTable} />;
}

export function PeriodsScreen(_props: ScreenProps) {
  return (
    <div className="periods">
      <PageHeader title="Crypto-periods">
        <span className="hint">
          When keys must stop protecting data, and the policy that says so
        </span>
      </PageHeader>
      <Tabs className="periods-tabs">
        <TabList aria-label="Crypto-period views" className="periods-tablist">
          <Tab id="dashboard" className="periods-tab">
            Due keys
          </Tab>
          <Tab id="policy" className="periods-tab">
            Policy table
          </Tab>
        </TabList>
        <TabPanel id="dashboard" className="periods-panel">
          <Dashboard />
        </TabPanel>
        <TabPanel id="policy" className="periods-panel">
          <Policy />
        </TabPanel>
      </Tabs>
    </div>
  );
}
