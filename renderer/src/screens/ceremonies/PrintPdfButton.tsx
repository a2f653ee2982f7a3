import { useState } from 'react';
import { Button } from 'react-aria-components';
import { ask, keywarden, useAction } from '../../api.ts';
import { ErrorNote } from '../../components/notes.tsx';

// A print button for a PDF the vault wrote (a share sheet, a transcript). The app never opens
// the file itself — a sheet holds a share — so the vault hands it to the system's PDF viewer,
// where the person chooses the printer.

/** The file's name, the last part of its path. */
function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** "Print NAME…" for the PDF at `path`, then what happened, in words. */
export function PrintPdfButton({ path }: { path: string }) {
  const [sent, setSent] = useState(false);
  const printed = useAction(async () => ask(keywarden().files.printPdf({ path })));
  const name = fileName(path);
  return (
    <span className="cer-print">
      <Button
        className="button"
        isDisabled={printed.busy}
        onPress={() => void printed.run().then((done) => setSent(done !== undefined))}
      >
        Print {name}…
      </Button>
      {sent && (
        <span role="status" className="hint">
          {name} is open in the PDF viewer: print it there.
        </span>
      )}
      <ErrorNote error={printed.error} />
    </span>
  );
}
