import { useState } from 'react';
import {
  Button,
  Dialog,
  DialogTrigger,
  Form,
  Heading,
  Input,
  Label,
  Modal,
  ModalOverlay,
  TextArea,
  TextField,
} from 'react-aria-components';
import type { CeremonyView } from '../../../../electron/shared/ceremony-run-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';

// Aborting a ceremony: only its administrator, with a reason and their presence proof. The
// transcript ends with the reason, and the ceremony can never be taken up again.

export function AbortDialog({
  view,
  onAborted,
}: {
  view: CeremonyView;
  onAborted: (view: CeremonyView) => void;
}) {
  const administrator = view.participants.find((p) => p.role === 'administrator');
  const [reason, setReason] = useState('');
  const [proof, setProof] = useState('');
  const byToken = administrator?.presence === 'token';
  const abort = useAction(async () =>
    withSecret(proof, (bytes) =>
      ask(
        keywarden().ceremony.abort({
          id: view.id,
          by: administrator?.name ?? '',
          reason: reason.trim(),
          ...(byToken ? { pin: bytes } : { passphrase: bytes }),
        }),
      ),
    ),
  );
  if (!administrator) return null;
  return (
    <DialogTrigger>
      <Button className="button button-danger">Abort the ceremony…</Button>
      <ModalOverlay className="cer-overlay" isDismissable>
        <Modal className="cer-modal">
          <Dialog className="cer-dialog">
            {({ close }) => (
              <>
                <Heading slot="title">Abort the ceremony</Heading>
                <p>
                  Only the administrator, {administrator.name}, aborts it. The transcript ends with
                  the reason, and the ceremony cannot be resumed; share files of a split that was
                  never recorded are removed.
                </p>
                <Form
                  className="form"
                  onSubmit={(event) => {
                    event.preventDefault();
                    void abort.run().then((aborted) => {
                      setProof('');
                      if (aborted) {
                        setReason('');
                        close();
                        onAborted(aborted);
                      }
                    });
                  }}
                >
                  <TextField
                    className="field field-wide"
                    value={reason}
                    onChange={setReason}
                    isRequired
                  >
                    <Label>Why is it aborted?</Label>
                    <TextArea rows={3} autoFocus />
                  </TextField>
                  <TextField
                    className="field"
                    type="password"
                    value={proof}
                    onChange={setProof}
                    isRequired
                  >
                    <Label>
                      {byToken
                        ? `${administrator.name}’s token PIN`
                        : `${administrator.name}’s presence passphrase`}
                    </Label>
                    <Input autoComplete="off" />
                  </TextField>
                  {abort.busy && <Progress label="Checking the presence proof…" />}
                  <ErrorNote error={abort.error} />
                  <div className="cer-buttons">
                    <Button className="button" onPress={close}>
                      Keep going
                    </Button>
                    <Button
                      type="submit"
                      className="button button-danger"
                      isDisabled={abort.busy || reason.trim().length === 0 || proof.length === 0}
                    >
                      Abort
                    </Button>
                  </div>
                </Form>
              </>
            )}
          </Dialog>
        </Modal>
      </ModalOverlay>
    </DialogTrigger>
  );
}
