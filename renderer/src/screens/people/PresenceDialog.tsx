import { useState } from 'react';
import { Button, Form, Input, Label, Text, TextField } from 'react-aria-components';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { DialogButtons } from '../settings/ModalDialog.tsx';

// A person's ceremony presence passphrase: what they type at each ceremony step to show they
// are there. The person types it (twice) themselves; it becomes bytes only for the call, is
// zeroed after it, and the fields are emptied whatever the answer. Setting it again replaces it.

/** The shortest presence passphrase the vault takes (in UTF-8 bytes). */
const MIN_PRESENCE_BYTES = 8;

export function PresenceDialog({
  person,
  close,
  onDone,
}: {
  person: PersonView;
  close: () => void;
  onDone: (said: string) => void;
}) {
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again.length > 0 && again !== passphrase;
  const enrol = useAction(async () =>
    withSecret(passphrase, (bytes) =>
      ask(keywarden().people.setPresence({ name: person.name, passphrase: bytes })),
    ),
  );
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (enrol.busy || passphrase !== again) return;
        void enrol.run().then((enrolled) => {
          setPassphrase('');
          setAgain('');
          if (!enrolled) return;
          onDone(`${enrolled.person} can now prove presence at ceremonies with a passphrase.`);
          close();
        });
      }}
    >
      <p>
        {person.name} types this passphrase at each ceremony step they take part in. Hand the
        keyboard to them: no one else should see or know it. Setting it again replaces the old one.
      </p>
      <TextField
        className="field"
        type="password"
        value={passphrase}
        onChange={setPassphrase}
        isRequired
        autoFocus
      >
        <Label>Presence passphrase</Label>
        <Input autoComplete="new-password" spellCheck={false} />
        <Text slot="description" className="hint">
          At least {MIN_PRESENCE_BYTES} characters.
        </Text>
      </TextField>
      <TextField
        className="field"
        type="password"
        value={again}
        onChange={setAgain}
        isRequired
        isInvalid={mismatch}
      >
        <Label>The same passphrase again</Label>
        <Input autoComplete="new-password" spellCheck={false} />
        {mismatch && (
          <Text slot="errorMessage" className="field-error">
            The two entries differ.
          </Text>
        )}
      </TextField>
      {enrol.busy && <Progress label="Stretching the passphrase and enrolling it…" />}
      <ErrorNote error={enrol.error} />
      <DialogButtons close={close}>
        <Button type="submit" className="button button-primary" isDisabled={mismatch}>
          Enrol the passphrase
        </Button>
      </DialogButtons>
    </Form>
  );
}
