import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import type { CalibrationProgressView } from '../../../../electron/shared/app-types.ts';
import { ask, keywarden, useAction, useEvent, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';

// A new vault at the place the settings name: a passphrase typed twice, the Argon2id cost
// calibrated on this machine (progress shown while it runs), then the vault is unlocked.

export function CreateVault({
  path,
  onCreated,
}: {
  path: string;
  onCreated: (header: VaultHeader) => void;
}) {
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [progress, setProgress] = useState<CalibrationProgressView | null>(null);
  useEvent('vault:kdf-progress', setProgress);
  const mismatch = again.length > 0 && again !== passphrase;
  const create = useAction(async () =>
    withSecret(passphrase, async (bytes) => {
      // Each call carries its own copy across the bridge; this one is zeroed by withSecret.
      await ask(keywarden().vault.init({ path, passphrase: bytes }));
      return ask(
        keywarden().vault.unlock({ path, factor: { kind: 'passphrase', passphrase: bytes } }),
      );
    }),
  );
  return (
    <section aria-labelledby="create-title" className="card">
      <h2 id="create-title">Create a vault</h2>
      <p>
        There is no vault at <code>{path}</code> yet. Choose its passphrase: at least 12 characters,
        ideally several words.
      </p>
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (mismatch) return;
          void create.run().then((header) => {
            setPassphrase('');
            setAgain('');
            if (header) onCreated(header);
          });
        }}
      >
        <SecretField
          label="New passphrase"
          kind="new"
          value={passphrase}
          onChange={setPassphrase}
          isRequired
          autoFocus
        />
        <SecretField
          label="The same passphrase again"
          kind="new"
          value={again}
          onChange={setAgain}
          error={mismatch ? 'The two entries differ.' : null}
          isRequired
        />
        {create.busy && (
          <Progress
            label={
              progress
                ? `Calibrating Argon2id on this machine: ${progress.iterations} iterations tried (${Math.round(progress.elapsedMs)} ms)…`
                : 'Calibrating Argon2id on this machine…'
            }
          />
        )}
        <ErrorNote error={create.error} />
        <Button
          type="submit"
          className="button button-primary"
          isDisabled={create.busy || mismatch}
        >
          Create and unlock
        </Button>
      </Form>
    </section>
  );
}
