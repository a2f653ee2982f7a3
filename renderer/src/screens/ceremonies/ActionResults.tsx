import type {
  CeremonyView,
  TranscriptEntry,
} from '../../../../electron/shared/ceremony-run-types.ts';
import { hrefOf } from '../../router.ts';
import { detailText } from './ceremony-words.ts';
import { PrintPdfButton } from './PrintPdfButton.tsx';

// What the vault did at the ceremony's action steps, from the transcript: for a split, the
// folder its share files (and sheets) went to — never a share; for a key made or rebuilt, the
// key, its check value and fingerprint to read aloud.

function textOf(entry: TranscriptEntry, field: string): string | null {
  const value = entry.detail[field];
  return value === undefined || value === null || value === '' ? null : detailText(value);
}

function SplitResult({ entry, view }: { entry: TranscriptEntry; view: CeremonyView }) {
  const files = entry.detail.files;
  const sheets = view.parameters.format === 'pdf';
  return (
    <div className="cer-result">
      <p>
        The key was split into {textOf(entry, 'shares')} shares, any {textOf(entry, 'threshold')} of
        which rebuild it. The share files{sheets ? ' and their printable sheets (PDF)' : ''} were
        written to <code className="cer-path">{textOf(entry, 'folder')}</code>.
      </p>
      <p>
        Give each custodian their own file
        {sheets ? ' and its printed sheet' : ''}. The vault keeps no copy, and the shares are never
        shown in the app{sheets ? ': each sheet opens in the PDF viewer to print' : ''}.
      </p>
      <dl className="cer-facts">
        <div className="cer-fact">
          <dt>Check value (KCV)</dt>
          <dd>
            <code>{textOf(entry, 'kcv')}</code>
          </dd>
        </div>
        <div className="cer-fact">
          <dt>Fingerprint</dt>
          <dd>
            <code>{textOf(entry, 'fingerprint')}</code>
          </dd>
        </div>
      </dl>
      {Array.isArray(files) && (
        <ul className="cer-files">
          {files.map((path) => (
            <li key={path}>
              <code className="cer-path">{path}</code>
              {path.endsWith('.pdf') && <PrintPdfButton path={path} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function KeyResult({ entry }: { entry: TranscriptEntry }) {
  const key = textOf(entry, 'key');
  const facts: Array<[string, string | null]> = [
    ['Key', textOf(entry, 'name')],
    ['Algorithm', textOf(entry, 'algorithm')],
    ['Check value (KCV)', textOf(entry, 'kcv')],
    ['Fingerprint', textOf(entry, 'fingerprint')],
    ['Where', textOf(entry, 'location')],
    ['State', textOf(entry, 'state')],
    ['Token', textOf(entry, 'token')],
  ];
  return (
    <div className="cer-result">
      <dl className="cer-facts">
        {facts
          .filter(([, value]) => value !== null)
          .map(([label, value]) => (
            <div key={label} className="cer-fact">
              <dt>{label}</dt>
              <dd>
                <code>{value}</code>
              </dd>
            </div>
          ))}
      </dl>
      {key && (
        <p>
          <a href={hrefOf({ screen: 'key', id: key })}>Open the key {key} in the inventory</a>
        </p>
      )}
    </div>
  );
}

export function ActionResults({ view }: { view: CeremonyView }) {
  const actions = view.entries.filter((e) => e.event === 'action');
  if (actions.length === 0) return null;
  return (
    <section aria-labelledby="results-title" className="card">
      <h2 id="results-title">What the vault did</h2>
      {actions.map((entry) => {
        const step = view.steps.find((s) => s.id === entry.step);
        return (
          <div key={entry.seq}>
            <h3>{step?.title ?? entry.step}</h3>
            {entry.detail.action === 'split-key' ? (
              <SplitResult entry={entry} view={view} />
            ) : (
              <KeyResult entry={entry} />
            )}
          </div>
        );
      })}
    </section>
  );
}
