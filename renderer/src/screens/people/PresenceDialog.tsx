import { Form } from 'react-aria-components';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { DialogButtons, SubmitButton } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { NewSecretFields, useNewSecret } from '../../components/NewSecretFields.tsx';

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
  const passphrase = useNewSecret();
  const enrol = useAction(async () =>
    withSecret(passphrase.value, (bytes) =>
      ask(keywarden().people.setPresence({ name: person.name, passphrase: bytes })),
    ),
  );
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (enrol.busy || !passphrase.ready) return;
        void enrol.run().then((enrolled) => {
          passphrase.clear();
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
      <NewSecretFields
        entries={passphrase}
        kind="new"
        label="Presence passphrase"
        againLabel="The same passphrase again"
        description={`At least ${MIN_PRESENCE_BYTES} characters.`}
        isRequired
        autoFocus
      />
      {enrol.busy && <Progress label="Stretching the passphrase and enrolling it…" />}
      <ErrorNote error={enrol.error} />
      <DialogButtons close={close}>
        <SubmitButton disabled={passphrase.differ} pending={enrol.busy}>
          Enrol the passphrase
        </SubmitButton>
      </DialogButtons>
    </Form>
  );
}
