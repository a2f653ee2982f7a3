import type { KeyView, PersonView } from '../../../../electron/shared/inventory-types.ts';
import {
  changeValue,
  dateTimeWords,
  dateWords,
  eventWords,
  personName,
  STATE_WORDS,
  stateBadge,
} from './key-words.ts';

// The key's lifecycle as a timeline (every transition: who, when, why), the destruction
// record when there is one, and the history of edits to its entry (owner, custodians, ...).

export function LifecycleTimeline({ keyView, people }: { keyView: KeyView; people: PersonView[] }) {
  const destruction = keyView.destruction;
  return (
    <section className="card" aria-labelledby="key-lifecycle">
      <h2 id="key-lifecycle">Lifecycle</h2>
      <ol className="timeline">
        {keyView.history.map((step, i) => (
          <li key={i} className="timeline-step">
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-head">
              <strong>{eventWords(step)}</strong>{' '}
              <span className={stateBadge(step.to)}>{STATE_WORDS[step.to]}</span>
            </div>
            <div className="hint">
              <time dateTime={step.at}>{dateTimeWords(step.at)}</time>, by{' '}
              {personName(people, step.by)}
            </div>
            <div>{step.reason}</div>
          </li>
        ))}
      </ol>
      {destruction && (
        <dl className="facts destruction">
          <dt>Destruction authorised by</dt>
          <dd>{personName(people, destruction.authorisedBy)}</dd>
          <dt>Witness</dt>
          <dd>{personName(people, destruction.witness)}</dd>
          <dt>Scheduled</dt>
          <dd>{dateTimeWords(destruction.scheduledAt)}</dd>
          <dt>Not before</dt>
          <dd>{dateWords(destruction.notBefore)}</dd>
          {destruction.performedAt && (
            <>
              <dt>Carried out</dt>
              <dd>
                {dateTimeWords(destruction.performedAt)}
                {destruction.performedBy && ` by ${personName(people, destruction.performedBy)}`}
              </dd>
            </>
          )}
          {destruction.method && (
            <>
              <dt>How</dt>
              <dd>{destruction.method}</dd>
            </>
          )}
        </dl>
      )}
      {keyView.destructionBegun && (
        <p className="note">
          Destroying its objects on the token began {dateTimeWords(keyView.destructionBegun.at)}:
          the destruction can only be finished now.
        </p>
      )}
    </section>
  );
}

export function OwnershipHistory({ keyView, people }: { keyView: KeyView; people: PersonView[] }) {
  return (
    <section className="card key-wide" aria-labelledby="key-changes">
      <h2 id="key-changes">Ownership history</h2>
      {keyView.changes.length === 0 ? (
        <p className="hint">
          No edits since the key entered the inventory: owner and custodians are as they were then.
        </p>
      ) : (
        <ol className="timeline">
          {keyView.changes.map((change, i) => (
            <li key={i} className="timeline-step">
              <span className="timeline-dot" aria-hidden="true" />
              <div className="hint">
                <time dateTime={change.at}>{dateTimeWords(change.at)}</time>, by{' '}
                {personName(people, change.by)}: {change.reason}
              </div>
              <ul className="change-fields">
                {Object.entries(change.fields).map(([field, { from, to }]) => (
                  <li key={field}>
                    <strong>{field}</strong>: {changeValue(people, field, from)} →{' '}
                    {changeValue(people, field, to)}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
