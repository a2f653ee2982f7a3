import { useState } from 'react';
import type { ScreenProps } from '../screens.tsx';
import { ask, keywarden, useQuery } from '../../api.ts';
import { ModalDialog } from '../../components/Dialog.tsx';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { AddPersonForm } from './AddPersonForm.tsx';
import { PresenceDialog } from './PresenceDialog.tsx';
import { ROLE_WORDS } from './roles.ts';
import '../settings/forms.css';
import './people.css';

// The people registry: who owns, holds, witnesses and audits keys, with their roles, and how
// each proves presence at ceremonies. People are added here; the contract has no channel to
// change or remove one, so neither is offered.

export function PeopleScreen(_props: ScreenProps) {
  const people = useQuery(() => ask(keywarden().people.list({})));
  const [said, setSaid] = useState('');
  const list = people.data ?? [];
  return (
    <div className="people">
      <PageHeader title="People">
        <span className="hint">Owners, custodians, witnesses and auditors of keys.</span>
      </PageHeader>
      <section aria-labelledby="registry-title" className="card">
        <h2 id="registry-title">Registry</h2>
        {people.loading && !people.data && <Progress label="Reading the people registry…" />}
        <ErrorNote error={people.error} />
        {people.data && list.length === 0 && (
          <p>
            No one is registered yet. Add the people who own and hold keys below, starting with
            yourself as an officer; custodians and witnesses need a presence passphrase to take part
            in ceremonies.
          </p>
        )}
        {list.length > 0 && (
          <table className="table people-table">
            <caption className="visually-hidden">
              {list.length} {list.length === 1 ? 'person' : 'people'} in the registry
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">Ceremony presence</th>
              </tr>
            </thead>
            <tbody>
              {list.map((person) => (
                <tr key={person.id}>
                  <th scope="row">{person.name}</th>
                  <td>
                    <ul className="people-roles" aria-label={`Roles of ${person.name}`}>
                      {person.roles.map((role) => (
                        <li key={role} className={`badge people-role-${role}`}>
                          {ROLE_WORDS[role].label}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <ModalDialog
                      opener="Set presence passphrase"
                      openerLabel={`Set presence passphrase for ${person.name}`}
                      title={`Presence passphrase for ${person.name}`}
                    >
                      {(close) => <PresenceDialog person={person} close={close} onDone={setSaid} />}
                    </ModalDialog>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p role="status" className="kw-status">
          {said}
        </p>
      </section>
      <AddPersonForm
        first={people.data !== null && list.length === 0}
        onAdded={() => {
          setSaid('');
          people.reload();
        }}
      />
    </div>
  );
}
