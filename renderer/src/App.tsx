import { useState } from 'react';
import type { VaultHeader } from '../../electron/shared/vault-types.ts';
import type { ErrorInfo } from '../../electron/shared/errors.ts';

// The first screen: open a vault file and show its public header. The full UI (unlock,
// inventory, ceremonies, audit) is built on this in the renderer issue.

export function App() {
  const [path, setPath] = useState('');
  const [header, setHeader] = useState<VaultHeader | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  async function readHeader() {
    const reply = await window.keywarden.vault.readHeader({ path });
    if (reply.ok) {
      setHeader(reply.value);
      setError(null);
    } else {
      setHeader(null);
      setError(reply.error);
    }
  }

  return (
    <main>
      <h1>Keywarden</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void readHeader();
        }}
      >
        <label>
          Vault file <input value={path} onChange={(event) => setPath(event.target.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
      {error && <p role="alert">{`${error.code}: ${error.message}`}</p>}
      {header && (
        <dl>
          <dt>Vault id</dt>
          <dd>{header.vaultId}</dd>
          <dt>Format</dt>
          <dd>{header.formatVersion}</dd>
          <dt>Unlock slots</dt>
          <dd>{header.slots.map((slot) => `#${slot.slotId} ${slot.kind}`).join(', ')}</dd>
        </dl>
      )}
    </main>
  );
}
