import type { CeremonyView } from '../../../../electron/shared/ceremony-run-types.ts';
import { CEREMONY_ROLE_NAMES } from '../../../../electron/shared/ceremony-run-types.ts';
import { ask, keywarden, useQuery } from '../../api.ts';
import { detailText, roleTitle, whenWords } from './ceremony-words.ts';

// What a ceremony is about: who takes part in which role (and how each proves presence), the
// quorum, its parameters and the key that signs its transcript. All of it is in the
// transcript's header; none of it is secret.

export function CeremonyFacts({ view }: { view: CeremonyView }) {
  const custodians = view.participants.filter((p) => p.role === 'custodian').length;
  const threshold = view.parameters.threshold;
  // Each parameter under its template's label; under its name while they load (or if gone).
  const templates = useQuery(() => ask(keywarden().ceremony.listTemplates({})));
  const template = templates.data?.find((t) => t.id === view.template.id);
  const labelOf = (name: string) =>
    template?.parameters.find((p) => p.name === name)?.label.replace(/ \(comma-separated\)$/, '') ??
    name;
  return (
    <section aria-labelledby="facts-title" className="card">
      <h2 id="facts-title">Participants and parameters</h2>
      <div className="cer-facts-grid">
        <dl className="cer-facts">
          {CEREMONY_ROLE_NAMES.map((role) => {
            const people = view.participants.filter((p) => p.role === role);
            if (people.length === 0) return null;
            return (
              <div key={role} className="cer-fact">
                <dt>{roleTitle(role, people.length)}</dt>
                <dd>
                  {people
                    .map((p) => (p.presence === 'token' ? `${p.name} (token)` : p.name))
                    .join(', ')}
                </dd>
              </div>
            );
          })}
          {typeof threshold === 'number' && (
            <div className="cer-fact">
              <dt>Quorum</dt>
              <dd>
                {threshold} of {custodians} custodians
              </dd>
            </div>
          )}
        </dl>
        <dl className="cer-facts">
          {Object.entries(view.parameters)
            .filter(([, value]) => value !== null)
            .map(([name, value]) => (
              <div key={name} className="cer-fact">
                <dt>{labelOf(name)}</dt>
                <dd className="cer-path">{detailText(value)}</dd>
              </div>
            ))}
          <div className="cer-fact">
            <dt>Transcript signed by</dt>
            <dd className="cer-path">{view.signer}</dd>
          </div>
          <div className="cer-fact">
            <dt>Opened</dt>
            <dd>{whenWords(view.openedAt)}</dd>
          </div>
          <div className="cer-fact">
            <dt>Ceremony</dt>
            <dd className="cer-path">{view.id}</dd>
          </div>
        </dl>
      </div>
    </section>
  );
}
