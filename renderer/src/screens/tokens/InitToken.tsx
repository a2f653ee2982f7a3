import { useState } from 'react';
import { Button, Form, Input, Label, Text, TextField } from 'react-aria-components';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { DialogButtons, DialogFrame } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { useNewPin } from './PinFields.tsx';
import { tokenName } from './token-words.ts';

// Initialising a token (one not initialised yet: the services refuse any other) sets its
// label, its SO PIN and its user PIN, and erases whatever the card holds; so the form asks for
// a confirmation in a dialog before anything is sent. Both PINs are typed twice, become bytes
// only for the call (withSecret zeroes them), and the fields are emptied once it is made.

/** PKCS#11 labels are at most 32 bytes of UTF-8. */
const labelBytes = (label: string) => new TextEncoder().encode(label).length;

export function InitToken(props: {
  token: TokenView;
  onDone: (initialised: TokenView | null) => void;
}) {
  const { token, onDone } = props;
  const [label, setLabel] = useState(token.label);
  const soPin = useNewPin(token);
  const userPin = useNewPin(token);
  const [confirming, setConfirming] = useState(false);
  const init = useAction(async () =>
    withSecret(soPin.newPin, (so) =>
      withSecret(userPin.newPin, (user) =>
        ask(
          keywarden().tokens.init({
            // A fresh token (SoftHSM2's free slot, for one) may have no serial yet.
            ...(token.serial ? { serial: token.serial } : {}),
            module: token.module,
            label: label.trim(),
            soPin: so,
            pin: user,
          }),
        ),
      ),
    ),
  );
  const labelTooLong = labelBytes(label.trim()) > 32;
  const incomplete = !label.trim() || labelTooLong || !soPin.ready || !userPin.ready || init.busy;

  return (
    <>
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!incomplete) setConfirming(true);
        }}
      >
        <p className="hint">
          Initialising gives the token its label, the security officer&apos;s SO PIN and the user
          PIN, and erases anything the card holds. Keep the SO PIN apart from the user PIN: it is
          what unblocks a locked user PIN.
        </p>
        <TextField
          className="field"
          value={label}
          onChange={setLabel}
          isRequired
          isInvalid={labelTooLong}
        >
          <Label>Token label</Label>
          <Input spellCheck={false} />
          {labelTooLong && (
            <Text slot="errorMessage" className="field-error">
              A token label is at most 32 bytes.
            </Text>
          )}
        </TextField>
        {soPin.fields('New SO PIN')}
        {userPin.fields('New user PIN')}
        {init.busy && <Progress label="Initialising the token…" />}
        <ErrorNote error={init.error} />
        <Button type="submit" className="button button-danger" isDisabled={incomplete}>
          Initialise token…
        </Button>
      </Form>
      <DialogFrame
        title={`Initialise this token as “${label.trim()}”?`}
        size="alert"
        alert
        isOpen={confirming}
        onOpenChange={setConfirming}
      >
        {(close) => (
          <>
            <p>
              The token {tokenName(token)} reached through <code>{token.module}</code> gets the new
              label and PINs, and anything on it is erased. This cannot be undone.
            </p>
            <DialogButtons close={close} autoFocusClose>
              <Button
                className="button button-danger"
                onPress={() => {
                  setConfirming(false);
                  // The call has its own bytes of the PINs now; the fields are emptied at once.
                  const running = init.run();
                  soPin.clear();
                  userPin.clear();
                  void running.then((view) => onDone(view ?? null));
                }}
              >
                Initialise
              </Button>
            </DialogButtons>
          </>
        )}
      </DialogFrame>
    </>
  );
}
