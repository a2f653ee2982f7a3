import { useState } from 'react';
import { Button } from 'react-aria-components';
import { ask, keywarden, useEvent, useQuery } from '../../api.ts';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import type { ScreenProps } from '../screens.tsx';
import { NewCeremony } from './NewCeremony.tsx';
import { STATUS_WORDS, whenWords } from './ceremony-words.ts';
import './ceremonies.css';

// Every ceremony in the vault, newest first: its template, status and steps done, each
// opening its wizard; and "New ceremony", which opens one from a template.

export function CeremoniesScreen(_props: ScreenProps) {
  const list = useQuery(() => ask(keywarden().ceremony.list({})));
  useEvent('ceremony:progress', () => list.reload());
  const [creating, setCreating] = useState(false);
  const ceremonies = list.data ?? [];
  return (
    <div className="cer-screen">
      <PageHeader title="Ceremonies">
        {!creating && (
          <Button className="button button-primary" onPress={() => setCreating(true)}>
            New ceremony
          </Button>
        )}
      </PageHeader>
      <p className="cer-intro">
        A ceremony takes a key through generation, a split among custodians, a recombination,
        rotation, destruction or a token’s enrolment, step by step, each person proving they are
        present, into a signed transcript an auditor verifies.
      </p>
      {creating && <NewCeremony onCancel={() => setCreating(false)} />}
      <section aria-labelledby="list-title" className="card">
        <h2 id="list-title">All ceremonies</h2>
        {list.loading && !list.data && <Progress label="Reading the ceremonies…" />}
        <ErrorNote error={list.error} />
        {list.data && ceremonies.length === 0 && (
          <p>
            No ceremony has been held in this vault yet. Choose <strong>New ceremony</strong> to
            open one: pick a template, its participants and the key that signs its transcript.
          </p>
        )}
        {ceremonies.length > 0 && (
          <table className="table cer-list">
            <thead>
              <tr>
                <th scope="col">Ceremony</th>
                <th scope="col">Template</th>
                <th scope="col">Status</th>
                <th scope="col">Steps done</th>
                <th scope="col">Opened</th>
              </tr>
            </thead>
            <tbody>
              {ceremonies.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={hrefOf({ screen: 'ceremony', id: c.id })}>{c.title}</a>
                    <div className="cer-path hint">{c.id}</div>
                  </td>
                  <td>{c.template}</td>
                  <td>
                    <span className={STATUS_WORDS[c.status].badge}>
                      {STATUS_WORDS[c.status].label}
                    </span>
                  </td>
                  <td>
                    {c.stepsDone} of {c.steps}
                  </td>
                  <td>{whenWords(c.openedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
