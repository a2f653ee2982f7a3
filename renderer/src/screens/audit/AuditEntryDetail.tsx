import type { AuditEntry } from '../../../../electron/shared/vault-types.ts';
import { hrefOf } from '../../router.ts';
import { formatTime } from './audit-time.ts';

// One entry in full: who, what, when, the outcome, every detail field and the entry's hash
// (which the next entry chains to).

const KEY_ID = /^k-[0-9a-f]{16}$/;

export function AuditEntryDetail({ entry }: { entry: AuditEntry | null }) {
  if (!entry) {
    return (
      <section className="card audit-detail" aria-labelledby="audit-detail-heading">
        <h2 id="audit-detail-heading">Entry detail</h2>
        <p className="hint">
          Select an entry in the log (click it, or move to it with the arrow keys) to see its detail
          fields and its hash.
        </p>
      </section>
    );
  }
  const detail = Object.entries(entry.detail);
  return (
    <section className="card audit-detail" aria-labelledby="audit-detail-heading">
      <h2 id="audit-detail-heading">Entry #{entry.seq}</h2>
      <dl className="audit-fields">
        <dt>When</dt>
        <dd>
          <time dateTime={entry.at}>{formatTime(entry.at)}</time>
          <span className="hint audit-iso">{entry.at}</span>
        </dd>
        <dt>Actor</dt>
        <dd>{entry.actor}</dd>
        <dt>Action</dt>
        <dd className="mono">{entry.action}</dd>
        <dt>Target</dt>
        <dd>
          <span className="mono">{entry.target}</span>
          {KEY_ID.test(entry.target) && (
            <>
              {' '}
              <a href={hrefOf({ screen: 'key', id: entry.target })}>Open the key</a>
            </>
          )}
        </dd>
        <dt>Outcome</dt>
        <dd>
          <span className={`badge ${entry.outcome === 'success' ? 'badge-ok' : 'badge-danger'}`}>
            {entry.outcome}
          </span>
        </dd>
      </dl>
      <h3>Detail</h3>
      {detail.length === 0 ? (
        <p className="hint">This entry records no detail fields.</p>
      ) : (
        <dl className="audit-fields audit-detail-fields">
          {detail.map(([name, value]) => (
            <div key={name} className="audit-field">
              <dt className="mono">{name}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Hash</h3>
      <p className="mono audit-hash">{entry.hash}</p>
      <p className="hint">
        SHA-256 over this entry and the previous entry’s hash; the next entry chains to it.
      </p>
    </section>
  );
}
