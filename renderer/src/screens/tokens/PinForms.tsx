import { useState } from 'react';
import type { ReactNode } from 'react';
import { Button, Form } from 'react-aria-components';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { FinalTryConsent, PinField, onFinalTry, useNewPin } from './PinFields.tsx';
import { pinErrorForScreen, tokenName } from './token-words.ts';
import type { PinRole } from './token-words.ts';

// Changing the user PIN (with the current one) and unblocking it (the security officer sets
// a new one with the SO PIN). Each PIN becomes bytes only for its call (withSecret zeroes
// them after), and every field is emptied when the form is submitted, right or wrong.

const ref = (token: TokenView, acceptFinalTry: boolean) => ({
  serial: token.serial,
  module: token.module,
  ...(acceptFinalTry ? { acceptFinalTry: true } : {}),
});

/**
 * A form that sets a new user PIN, authorised by another PIN (`role`): the user's current PIN
 * to change it, the SO PIN to unblock it. `call` gets the authorising PIN's and the new PIN's
 * bytes, which withSecret zeroes when it returns.
 */
function NewUserPinForm(props: {
  token: TokenView;
  onDone: () => void;
  role: PinRole;
  intro: ReactNode;
  pinLabel: string;
  busyLabel: string;
  doneWords: string;
  submit: string;
  call: (pin: Uint8Array, newPin: Uint8Array, acceptFinalTry: boolean) => Promise<unknown>;
}) {
  const { token, onDone, role } = props;
  const [pin, setPin] = useState('');
  const fresh = useNewPin(token);
  const [acceptFinalTry, setAcceptFinalTry] = useState(false);
  const [done, setDone] = useState(false);
  const action = useAction(async () =>
    withSecret(pin, (authorising) =>
      withSecret(fresh.newPin, (next) => props.call(authorising, next, acceptFinalTry)),
    ),
  );
  const finalTry = onFinalTry(token, role, action.error);
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (fresh.invalid) return;
        setDone(false);
        // The call has its own bytes of the PINs now; the fields are emptied at once.
        const running = action.run();
        setPin('');
        fresh.clear();
        setAcceptFinalTry(false);
        void running.then((result) => {
          setDone(result !== undefined);
          onDone();
        });
      }}
    >
      <p className="hint">{props.intro}</p>
      <PinField label={props.pinLabel} value={pin} onChange={setPin} isRequired />
      {fresh.fields('New user PIN')}
      {finalTry && (
        <FinalTryConsent role={role} isSelected={acceptFinalTry} onChange={setAcceptFinalTry} />
      )}
      {action.busy && <Progress label={props.busyLabel} />}
      <ErrorNote error={pinErrorForScreen(action.error, token, role)} />
      {done && (
        <p className="note note-ok" role="status">
          {props.doneWords}
        </p>
      )}
      <Button
        type="submit"
        className="button button-primary"
        isDisabled={action.busy || fresh.invalid || pin.length === 0}
      >
        {props.submit}
      </Button>
    </Form>
  );
}

/** The user changes their own PIN: the current PIN, then the new one twice. */
export function ChangePin({ token, onDone }: { token: TokenView; onDone: () => void }) {
  return (
    <NewUserPinForm
      token={token}
      onDone={onDone}
      role="user"
      intro={`Changes the user PIN of token ${tokenName(token)}. The token checks the current PIN: a wrong one uses up one of its tries.`}
      pinLabel="Current user PIN"
      busyLabel="Changing the PIN on the token…"
      doneWords={`The user PIN of token ${tokenName(token)} was changed. Use the new PIN from now on.`}
      submit="Change PIN"
      call={(pin, newPin, acceptFinalTry) =>
        ask(keywarden().tokens.changePin({ ...ref(token, acceptFinalTry), pin, newPin }))
      }
    />
  );
}

/** The security officer unblocks the user PIN by setting a new one with the SO PIN. */
export function UnblockPin({ token, onDone }: { token: TokenView; onDone: () => void }) {
  return (
    <NewUserPinForm
      token={token}
      onDone={onDone}
      role="so"
      intro="The security officer sets a new user PIN with the SO PIN; this clears a locked or low-tries user PIN. A wrong SO PIN uses up one of the SO PIN's tries."
      pinLabel="SO PIN"
      busyLabel="Setting the new user PIN on the token…"
      doneWords={`The user PIN of token ${tokenName(token)} was set anew and is unblocked.`}
      submit="Unblock PIN"
      call={(soPin, newPin, acceptFinalTry) =>
        ask(keywarden().tokens.unblockPin({ ...ref(token, acceptFinalTry), soPin, newPin }))
      }
    />
  );
}
