import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import type { CalibrationProgressView } from '../../../../electron/shared/app-types.ts';
import { ask, keywarden, useAction, useEvent, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { NewSecretFields, useNewSecret } from '../../components/NewSecretFields.tsx';

// A new vault at the place the settings name: a passphrase typed twice, the Argon2id cost
// calibrated on this machine (progress shown while it runs), then the vault is unlocked.

export function CreateVault({
  path,
  onCreated,
}: {
  path: string;
  onCreated: (header: VaultHeader) => void;
}) {
  const passphrase = useNewSecret();
  const [progress, setProgress] = useState<CalibrationProgressView | null>(null);
  useEvent('vault:kdf-progress', setProgress);
  const create = useAction(async () =>
    withSecret(passphrase.value, async (bytes) => {
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
          if (passphrase.differ) return;
          void create.run().then((header) => {
            passphrase.clear();
            if (header) onCreated(header);
          });
        }}
      >
        <NewSecretFields
          entries={passphrase}
          kind="new"
          label="New passphrase"
          againLabel="The same passphrase again"
          isRequired
          autoFocus
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
          isDisabled={create.busy || passphrase.differ}
        >
          Create and unlock
        </Button>
      </Form>
    </section>
  );
}
