import { useState } from 'react';
import { Form, Label, TextArea, TextField } from 'react-aria-components';
import type { CeremonyView } from '../../../../electron/shared/ceremony-run-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { DialogButtons, ModalDialog, SubmitButton } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';

// Aborting a ceremony: only its administrator, with a reason and their presence proof. The
// transcript ends with the reason, and the ceremony can never be taken up again.

function AbortForm({
  view,
  administrator,
  close,
  onAborted,
}: {
  view: CeremonyView;
  administrator: CeremonyView['participants'][number];
  close: () => void;
  onAborted: (view: CeremonyView) => void;
}) {
  // The form's state lives inside the dialog, so a proof typed and left is dropped on close.
  const [reason, setReason] = useState('');
  const [proof, setProof] = useState('');
  const byToken = administrator.presence === 'token';
  const abort = useAction(async () =>
    withSecret(proof, (bytes) =>
      ask(
        keywarden().ceremony.abort({
          id: view.id,
          by: administrator.name,
          reason: reason.trim(),
          ...(byToken ? { pin: bytes } : { passphrase: bytes }),
        }),
      ),
    ),
  );
  return (
    <>
      <p>
        Only the administrator, {administrator.name}, aborts it. The transcript ends with the
        reason, and the ceremony cannot be resumed; share files of a split that was never recorded
        are removed.
      </p>
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (abort.busy) return;
          void abort.run().then((aborted) => {
            setProof('');
            if (aborted) {
              close();
              onAborted(aborted);
            }
          });
        }}
      >
        <TextField className="field field-wide" value={reason} onChange={setReason} isRequired>
          <Label>Why is it aborted?</Label>
          <TextArea rows={3} autoFocus />
        </TextField>
        {/* Another person's secret: never remembered or suggested, whether a PIN or a passphrase. */}
        <SecretField
          label={
            byToken
              ? `${administrator.name}’s token PIN`
              : `${administrator.name}’s presence passphrase`
          }
          kind="pin"
          value={proof}
          onChange={setProof}
          isRequired
        />
        {abort.busy && <Progress label="Checking the presence proof…" />}
        <ErrorNote error={abort.error} />
        <DialogButtons close={close} closeLabel="Keep going">
          <SubmitButton
            tone="danger"
            disabled={reason.trim().length === 0 || proof.length === 0}
            pending={abort.busy}
          >
            Abort
          </SubmitButton>
        </DialogButtons>
      </Form>
    </>
  );
}

export function AbortDialog({
  view,
  onAborted,
}: {
  view: CeremonyView;
  onAborted: (view: CeremonyView) => void;
}) {
  const administrator = view.participants.find((p) => p.role === 'administrator');
  if (!administrator) return null;
  return (
    <ModalDialog opener="Abort the ceremony…" tone="danger" title="Abort the ceremony">
      {(close) => (
        <AbortForm view={view} administrator={administrator} close={close} onAborted={onAborted} />
      )}
    </ModalDialog>
  );
}
