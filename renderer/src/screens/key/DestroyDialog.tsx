import { useRef, useState } from 'react';
import { Form, Input, Label, NumberField, Text } from 'react-aria-components';
import type { KeyView, PersonView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import { DialogButtons, ModalDialog, SubmitButton } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import type { Done } from './KeyActions.tsx';
import { dateWords, STATE_WORDS } from './key-words.ts';

// Destroying a key as keys:destroy does it: an authoriser and a different witness schedule
// a deactivated key's destruction after a window of 7 to 30 days; once the window has
// passed (or at once for a compromised key) the same call erases the material, and for a
// key on a token destroys its objects there, with the token's PIN.

const DAY_MS = 86_400_000;
const WINDOW = { min: 7, max: 30, default: 30 } as const;

/** The people offered as authoriser or witness, each with their roles beside their name. */
function personChoices(people: PersonView[]) {
  return people.map((p) => ({ id: p.id, label: p.name, hint: p.roles.join(', ') }));
}

function DestroyForm(props: {
  keyView: KeyView;
  people: PersonView[];
  close: () => void;
  done: Done;
}) {
  const { keyView, people, close, done } = props;
  const mode = keyView.actions?.destroy ?? 'schedule';
  const needsPin = keyView.actions?.destroyNeedsPin === true;
  const [authoriser, setAuthoriser] = useState<string | null>(
    keyView.destruction?.authorisedBy ?? null,
  );
  const [witness, setWitness] = useState<string | null>(null);
  const [days, setDays] = useState<number>(WINDOW.default);
  const [pin, setPin] = useState('');
  const [finalTry, setFinalTry] = useState(false);
  const [sure, setSure] = useState(false);
  const pinInput = useRef<HTMLInputElement>(null);
  const destroy = useAction(async () => {
    const request = {
      id: keyView.id,
      authorisedBy: authoriser ?? '',
      witness: witness ?? '',
      ...(mode === 'schedule' ? { afterDays: days } : {}),
    };
    if (!needsPin) return ask(keywarden().keys.destroy(request));
    // The PIN's bytes exist only for this call and are zeroed by withSecret.
    return withSecret(pin, (bytes) =>
      ask(
        keywarden().keys.destroy({
          ...request,
          pin: bytes,
          ...(finalTry ? { acceptFinalTry: true } : {}),
        }),
      ),
    );
  });
  // An auditor performs no key operation, so never authorises one; the witness is another person.
  const authorisers = people.filter((p) => !p.roles.includes('auditor'));
  const witnesses = people.filter((p) => p.id !== authoriser);
  const notBefore = new Date(Date.now() + days * DAY_MS).toISOString();
  const valid =
    authoriser !== null &&
    witness !== null &&
    witness !== authoriser &&
    sure &&
    (!needsPin || pin.length > 0) &&
    (mode !== 'schedule' || (days >= WINDOW.min && days <= WINDOW.max));
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (destroy.busy) return;
        void destroy.run().then((result) => {
          setPin('');
          // After a refused try the PIN is typed again: the focus goes back to its field.
          if (!result) return pinInput.current?.focus();
          close();
          done(
            result.state === 'destruction-pending'
              ? `Destruction scheduled: the key is destruction pending until ${dateWords(result.destruction?.notBefore ?? notBefore)}.`
              : `The key is ${STATE_WORDS[result.state]}: its material is gone, its record stays.`,
          );
        });
      }}
    >
      {mode === 'schedule' ? (
        <p>
          Schedules the key&apos;s destruction for {dateWords(notBefore)} at the earliest. Until
          then it can be cancelled, and the key still verifies, decrypts and unwraps. After it,
          destroying the key erases its material for good; only the record of its destruction stays.
        </p>
      ) : (
        <p>
          Erases the key&apos;s material now
          {keyView.location.kind === 'token' ? ', destroying its objects on the token' : ''}
          {mode === 'destroy-now' ? ', without a waiting window, as it is compromised' : ''}.
          Nothing it protected can be verified, decrypted or unwrapped with it afterwards. This
          cannot be undone; the record of its destruction stays.
        </p>
      )}
      <ChoiceField
        label="Authorised by"
        options={personChoices(authorisers)}
        value={authoriser}
        onChange={setAuthoriser}
        placeholder="Choose a person"
        isRequired
      />
      <ChoiceField
        label="Witness"
        options={personChoices(witnesses)}
        value={witness}
        onChange={setWitness}
        placeholder="Choose a person"
        isRequired
      />
      {mode === 'schedule' && (
        <NumberField
          className="field"
          value={days}
          onChange={(value) => setDays(Number.isNaN(value) ? WINDOW.default : value)}
          minValue={WINDOW.min}
          maxValue={WINDOW.max}
        >
          <Label>Days before it can be destroyed</Label>
          <Input />
          <Text slot="description" className="hint">
            {WINDOW.min} to {WINDOW.max} days; the destruction can be cancelled in this time.
          </Text>
        </NumberField>
      )}
      {needsPin && keyView.location.kind === 'token' && (
        <SecretField
          label={`PIN of token ${keyView.location.serial}`}
          kind="pin"
          value={pin}
          onChange={setPin}
          isRequired
          inputRef={pinInput}
        />
      )}
      {destroy.error?.code === 'PIN_FINAL_TRY' && (
        <CheckboxChoice isSelected={finalTry} onChange={setFinalTry}>
          I am sure of the PIN: use its final try.
        </CheckboxChoice>
      )}
      <CheckboxChoice isSelected={sure} onChange={setSure}>
        {mode === 'schedule'
          ? 'I understand the key is destroyed after this window unless someone cancels it.'
          : 'I understand the key is destroyed now, for good.'}
      </CheckboxChoice>
      {destroy.busy && (
        <Progress
          label={
            mode === 'schedule' ? 'Scheduling the destruction…' : 'Destroying the key material…'
          }
        />
      )}
      <ErrorNote error={destroy.error} />
      <DialogButtons close={close} closeLabel="Close">
        <SubmitButton tone="danger" disabled={!valid} pending={destroy.busy}>
          {mode === 'schedule' ? 'Schedule destruction' : 'Destroy now'}
        </SubmitButton>
      </DialogButtons>
    </Form>
  );
}

export function DestroyDialog(props: { keyView: KeyView; people: PersonView[]; done: Done }) {
  const { keyView } = props;
  const schedule = keyView.actions?.destroy === 'schedule';
  return (
    <ModalDialog
      opener={schedule ? 'Schedule destruction' : 'Destroy now'}
      title={schedule ? `Schedule the destruction of ${keyView.name}` : `Destroy ${keyView.name}`}
      tone="danger"
    >
      {(close) => <DestroyForm {...props} close={close} />}
    </ModalDialog>
  );
}
