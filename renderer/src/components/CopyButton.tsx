import { useState } from 'react';
import { Button } from 'react-aria-components';
import { ask, keywarden, useAction } from '../api.ts';
import { ErrorNote } from './notes.tsx';

/**
 * A button that copies public text (a public key, a fingerprint, a CSR) through the main
 * process, which marks it concealed for clipboard managers and takes it back after a while;
 * a status line beside it says when. Never give it a secret: the text crosses to the main
 * process as it is.
 */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [clearsAfterMs, setClearsAfterMs] = useState<number | null>(null);
  const copy = useAction(async () => {
    const { clearsAfterMs } = await ask(keywarden().clipboard.copyText({ text }));
    setClearsAfterMs(clearsAfterMs);
  });
  return (
    <div className="copy">
      <Button className="button" onPress={() => void (copy.busy || copy.run())}>
        {label}
      </Button>
      <span role="status" className="hint">
        {clearsAfterMs !== null &&
          `Copied. The clipboard is cleared in ${Math.round(clearsAfterMs / 1000)} s.`}
      </span>
      <ErrorNote error={copy.error} />
    </div>
  );
}
