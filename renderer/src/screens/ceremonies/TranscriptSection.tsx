import { useState } from 'react';
import { Button, FileTrigger, Form, Input, Label, Text, TextField } from 'react-aria-components';
import type {
  CeremonyView,
  TranscriptVerification,
} from '../../../../electron/shared/ceremony-run-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden, useAction, useQuery, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import { besidePath, entryWords, shownDetail, whenWords } from './ceremony-words.ts';
import { PrintPdfButton } from './PrintPdfButton.tsx';

// The transcript: its entries as the vault recorded them, its export (signed JSON, and the
// printable PDF beside it, to paths the person types) and the check an auditor makes of a
// transcript file with the ceremony key's public key alone.

function Entries({ view }: { view: CeremonyView }) {
  const titles = new Map(view.steps.map((s) => [s.id, s.title]));
  return (
    <table className="table cer-entries">
      <caption className="cer-caption">
        {view.entries.length} entries, each hash-chained to the one before
      </caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">When</th>
          <th scope="col">Step</th>
          <th scope="col">What</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {view.entries.map((entry) => (
          <tr key={entry.seq}>
            <td>{entry.seq}</td>
            <td>{whenWords(entry.at)}</td>
            <td>{entry.step ? (titles.get(entry.step) ?? entry.step) : '—'}</td>
            <td>{entryWords(entry)}</td>
            <td className="cer-detail">
              {shownDetail(entry).map(([field, value]) => (
                <div key={field}>
                  <span className="cer-detail-field">{field}:</span> {value}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Export({ view, vaultPath }: { view: CeremonyView; vaultPath: string }) {
  const stem = `ceremony-${view.id.slice(0, 8)}-transcript`;
  const [outPath, setOutPath] = useState(() => besidePath(vaultPath, `${stem}.json`));
  const [pdfPath, setPdfPath] = useState(() => besidePath(vaultPath, `${stem}.pdf`));
  const [pin, setPin] = useState('');
  const signer = useQuery(() => ask(keywarden().keys.show({ id: view.signer })), [view.signer]);
  const onToken = signer.data?.location.kind === 'token';
  const exported = useAction(async () => {
    const request = { id: view.id, outPath, ...(pdfPath ? { pdfPath } : {}) };
    return onToken
      ? withSecret(pin, (bytes) =>
          ask(keywarden().ceremony.exportTranscript({ ...request, pin: bytes })),
        )
      : ask(keywarden().ceremony.exportTranscript(request));
  });
  const [written, setWritten] = useState<{
    path: string;
    pdfPath?: string;
    entries: number;
  } | null>(null);
  return (
    <section aria-labelledby="export-title" className="cer-subsection">
      <h3 id="export-title">Export the transcript</h3>
      <p>
        The JSON file, signed by the ceremony key {view.signer}, is the evidence; the PDF is its
        printable form, with sign-off lines for the witnesses and the auditor.
      </p>
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void exported.run().then((result) => {
            setPin('');
            if (result) setWritten(result);
          });
        }}
      >
        <TextField className="field field-wide" value={outPath} onChange={setOutPath} isRequired>
          <Label>Transcript file (JSON)</Label>
          <Input className="mono" spellCheck={false} />
        </TextField>
        <TextField className="field field-wide" value={pdfPath} onChange={setPdfPath}>
          <Label>Printable transcript (PDF)</Label>
          <Input className="mono" spellCheck={false} />
          <Text slot="description" className="hint">
            Leave it empty to write the JSON file only.
          </Text>
        </TextField>
        {onToken && (
          <SecretField
            label="PIN of the ceremony key’s token"
            kind="pin"
            value={pin}
            onChange={setPin}
            isRequired
          />
        )}
        {exported.busy && <Progress label="Signing and writing the transcript…" />}
        <ErrorNote error={exported.error ?? signer.error} />
        <Button type="submit" className="button button-primary" isDisabled={exported.busy}>
          Export
        </Button>
      </Form>
      {written && (
        <div className="note cer-ok" role="status">
          Written, signed, with {written.entries} entries:{' '}
          <code className="cer-path">{written.path}</code>
          {written.pdfPath && (
            <>
              {' '}
              and <code className="cer-path">{written.pdfPath}</code> to print
            </>
          )}
          .
        </div>
      )}
      {written?.pdfPath && <PrintPdfButton path={written.pdfPath} />}
    </section>
  );
}

function Verify({ view }: { view: CeremonyView }) {
  const [result, setResult] = useState<{ file: string; found: TranscriptVerification } | null>(
    null,
  );
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const verify = async (file: File) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const transcript = new Uint8Array(await file.arrayBuffer());
      const { text: publicKey } = await ask(
        keywarden().keys.exportPublic({ id: view.signer, format: 'pem' }),
      );
      const found = await ask(keywarden().ceremony.verifyTranscript({ transcript, publicKey }));
      setResult({ file: file.name, found });
    } catch (caught) {
      setError(errorInfo(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="verify-title" className="cer-subsection">
      <h3 id="verify-title">Verify a transcript file</h3>
      <p>
        Checks a transcript file as an auditor would, with the public key of the ceremony key{' '}
        {view.signer} alone: the hash chain, every token presence signature and the key’s signature.
        One changed byte fails it.
      </p>
      <FileTrigger
        acceptedFileTypes={['application/json', '.json']}
        onSelect={(files) => {
          const file = files?.[0];
          if (file) void verify(file);
        }}
      >
        <Button className="button" isDisabled={busy}>
          Choose the transcript file…
        </Button>
      </FileTrigger>
      {busy && <Progress label="Verifying the transcript…" />}
      <ErrorNote error={error} />
      {result && (
        <div className="note cer-ok" role="status">
          <strong>
            {result.file} verifies: the transcript of ceremony {result.found.ceremony} is intact and
            signed by key {result.found.signer.keyId}.
          </strong>{' '}
          It records {result.found.entries} entries; the ceremony is {result.found.status}
          {result.found.presenceSignatures > 0 &&
            `; ${result.found.presenceSignatures} presences proven by token signatures`}
          . Signed {whenWords(result.found.signedAt)}; head{' '}
          <code className="cer-path">{result.found.head}</code>.
        </div>
      )}
    </section>
  );
}

export function TranscriptSection({ view, vaultPath }: { view: CeremonyView; vaultPath: string }) {
  const ended = view.status !== 'open';
  return (
    <section aria-labelledby="transcript-title" className="card">
      <h2 id="transcript-title">Transcript{ended ? '' : ' so far'}</h2>
      {view.entries.length === 0 ? (
        <p>Nothing is recorded yet: the first entry is the first person’s presence.</p>
      ) : (
        <Entries view={view} />
      )}
      {ended && <Export view={view} vaultPath={vaultPath} />}
      {ended && <Verify view={view} />}
    </section>
  );
}
