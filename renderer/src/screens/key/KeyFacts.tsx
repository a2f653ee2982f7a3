import type { KeyView, PersonView } from '../../../../electron/shared/inventory-types.ts';
import { hrefOf } from '../../router.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import {
  algorithmWords,
  dateWords,
  fingerprintHex,
  locationWords,
  personName,
  STATE_WORDS,
  stateBadge,
} from './key-words.ts';

// The facts of a key: who owns and holds it, what it is for and where it lives, its
// fingerprint (hex and PGP words, to read aloud at a ceremony) and its versions.

export function Ownership({ keyView, people }: { keyView: KeyView; people: PersonView[] }) {
  return (
    <section className="card" aria-labelledby="key-ownership">
      <h2 id="key-ownership">Ownership</h2>
      <dl className="facts">
        <dt>Owner</dt>
        <dd>{personName(people, keyView.owner)}</dd>
        <dt>Custodians</dt>
        <dd>
          {keyView.custodians.length
            ? keyView.custodians.map((id) => personName(people, id)).join(', ')
            : 'none'}
        </dd>
        <dt>Tier</dt>
        <dd>{keyView.tier}</dd>
        <dt>Environment</dt>
        <dd>{keyView.environment}</dd>
        <dt>Classification</dt>
        <dd>{keyView.classification}</dd>
        {keyView.labels.length > 0 && (
          <>
            <dt>Labels</dt>
            <dd>{keyView.labels.join(', ')}</dd>
          </>
        )}
      </dl>
      {keyView.notes && <p className="key-notes">{keyView.notes}</p>}
    </section>
  );
}

export function Purposes({ keyView }: { keyView: KeyView }) {
  return (
    <section className="card" aria-labelledby="key-purposes">
      <h2 id="key-purposes">Purposes and place</h2>
      <ul className="purpose-list" aria-label="Purposes">
        {keyView.purposes.map((purpose) => (
          <li key={purpose} className="badge">
            {purpose}
          </li>
        ))}
      </ul>
      <dl className="facts">
        <dt>Algorithm</dt>
        <dd>{algorithmWords(keyView)}</dd>
        <dt>Lives</dt>
        <dd>{locationWords(keyView)}</dd>
        {keyView.publicOnly && (
          <>
            <dt>Held</dt>
            <dd>the public key only: it verifies and encrypts, never signs or decrypts</dd>
          </>
        )}
        {keyView.provenance && (
          <>
            <dt>On the token</dt>
            <dd>
              {keyView.provenance.onDeviceGenerated
                ? 'generated on the token and never out of it'
                : 'not proved to be born on the token'}
              {keyView.provenance.sensitive ? '; sensitive' : ''}
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{dateWords(keyView.createdAt)}</dd>
      </dl>
    </section>
  );
}

export function Fingerprint({ keyView }: { keyView: KeyView }) {
  const { fingerprint, fingerprintWords } = keyView;
  return (
    <section className="card" aria-labelledby="key-fingerprint">
      <h2 id="key-fingerprint">Fingerprint</h2>
      {fingerprint === null ? (
        <p className="hint">A secret (symmetric) key has no public key, so no fingerprint.</p>
      ) : (
        <dl className="facts facts-stacked">
          <dt>SHA-256, as OpenSSH shows it</dt>
          <dd className="mono fingerprint">{fingerprint}</dd>
          <dt>Hex</dt>
          <dd className="mono fingerprint">{fingerprintHex(fingerprint)}</dd>
          {fingerprintWords && (
            <>
              <dt>PGP words</dt>
              <dd className="fingerprint-words">{fingerprintWords.join(' ')}</dd>
            </>
          )}
        </dl>
      )}
      {fingerprint && <CopyButton text={fingerprint} label="Copy fingerprint" />}
    </section>
  );
}

export function Versions({ keyView }: { keyView: KeyView }) {
  const versions = keyView.versions ?? [];
  return (
    <section className="card key-wide" aria-labelledby="key-versions">
      <h2 id="key-versions">Versions</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Key</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Activated</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((version) => (
            <tr key={version.id} aria-current={version.id === keyView.id ? 'true' : undefined}>
              <td>{version.version}</td>
              <td className="mono">
                {version.id === keyView.id ? (
                  <span>{version.id} (this one)</span>
                ) : (
                  <a href={hrefOf({ screen: 'key', id: version.id })}>{version.id}</a>
                )}
              </td>
              <td>
                <span className={stateBadge(version.state)}>{STATE_WORDS[version.state]}</span>
              </td>
              <td>{dateWords(version.createdAt)}</td>
              <td>{version.activatedAt ? dateWords(version.activatedAt) : 'not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {keyView.publishedUntil && (
        <p className="hint">
          Its public key stays published for verification until {dateWords(keyView.publishedUntil)}.
        </p>
      )}
    </section>
  );
}
