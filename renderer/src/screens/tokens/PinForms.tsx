import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { FinalTryConsent, PinField, onFinalTry } from './PinFields.tsx';
import { pinErrorForScreen, tokenName } from './token-words.ts';

// Changing the user PIN (with the current one) and unblocking it (the security officer sets
// a new one with the SO PIN). Each PIN becomes bytes only for its call (withSecret zeroes
// them after), and every field is emptied when the form is submitted, right or wrong.

/** A new PIN typed twice, checked against the token's length rule before anything is sent. */
function useNewPin(token: TokenView) {
  const [newPin, setNewPin] = useState('');
  const [again, setAgain] = useState('');
  const { min, max } = token.pinLength;
  const badLength = newPin.length > 0 && max > 0 && (newPin.length < min || newPin.length > max);
  const mismatch = again.length > 0 && again !== newPin;
  return {
    newPin,
    again,
    setNewPin,
    setAgain,
    invalid: badLength || mismatch || newPin.length === 0 || again !== newPin,
    fields: (label: string) => (
      <>
        <PinField
          label={label}
          value={newPin}
          onChange={setNewPin}
          pinLength={token.pinLength}
          isRequired
          isInvalid={badLength}
          invalidText={`This token takes a PIN of ${min} to ${max} characters.`}
        />
        <PinField
          label={`${label}, again`}
          value={again}
          onChange={setAgain}
          isRequired
          isInvalid={mismatch}
          invalidText="The two entries differ."
        />
      </>
    ),
    clear: () => {
      setNewPin('');
      setAgain('');
    },
  };
}

const ref = (token: TokenView, acceptFinalTry: boolean) => ({
  serial: token.serial,
  module: token.module,
  ...(acceptFinalTry ? { acceptFinalTry: true } : {}),
});

/** The user changes their own PIN: the current PIN, then the new one twice. */
export function ChangePin({ token, onDone }: { token: TokenView; onDone: () => void }) {
  const [pin, setPin] = useState('');
  const fresh = useNewPin(token);
  const [acceptFinalTry, setAcceptFinalTry] = useState(false);
  const [changed, setChanged] = useState(false);
  const change = useAction(async () =>
    withSecret(pin, (old) =>
      withSecret(fresh.newPin, (next) =>
        ask(
          keywarden().tokens.changePin({ ...ref(token, acceptFinalTry), pin: old, newPin: next }),
        ),
      ),
    ),
  );
  const finalTry = onFinalTry(token, 'user', change.error);
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (fresh.invalid) return;
        setChanged(false);
        // The call has its own bytes of the PINs now; the fields are emptied at once.
        const running = change.run();
        setPin('');
        fresh.clear();
        setAcceptFinalTry(false);
        void running.then((done) => {
          setChanged(done !== undefined);
          onDone();
        });
      }}
    >
      <p className="hint">
        Changes the user PIN of token {tokenName(token)}. The token checks the current PIN: a wrong
        one uses up one of its tries.
      </p>
      <PinField label="Current user PIN" value={pin} onChange={setPin} isRequired />
      {fresh.fields('New user PIN')}
      {finalTry && (
        <FinalTryConsent role="user" isSelected={acceptFinalTry} onChange={setAcceptFinalTry} />
      )}
      {change.busy && <Progress label="Changing the PIN on the token…" />}
      <ErrorNote error={pinErrorForScreen(change.error, token, 'user')} />
      {changed && (
        <p className="note note-ok" role="status">
          The user PIN of token {tokenName(token)} was changed. Use the new PIN from now on.
        </p>
      )}
      <Button
        type="submit"
        className="button button-primary"
        isDisabled={change.busy || fresh.invalid || pin.length === 0}
      >
        Change PIN
      </Button>
    </Form>
  );
}

/** The security officer unblocks the user PIN by setting a new one with the SO PIN. */
export function UnblockPin({ token, onDone }: { token: TokenView; onDone: () => void }) {
  const [soPin, setSoPin] = useState('');
  const fresh = useNewPin(token);
  const [acceptFinalTry, setAcceptFinalTry] = useState(false);
  const [unblocked, setUnblocked] = useState(false);
  const unblock = useAction(async () =>
    withSecret(soPin, (so) =>
      withSecret(fresh.newPin, (next) =>
        ask(
          keywarden().tokens.unblockPin({ ...ref(token, acceptFinalTry), soPin: so, newPin: next }),
        ),
      ),
    ),
  );
  const finalTry = onFinalTry(token, 'so', unblock.error);
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (fresh.invalid) return;
        setUnblocked(false);
        // The call has its own bytes of the PINs now; the fields are emptied at once.
        const running = unblock.run();
        setSoPin('');
        fresh.clear();
        setAcceptFinalTry(false);
        void running.then((done) => {
          setUnblocked(done !== undefined);
          onDone();
        });
      }}
    >
      <p className="hint">
        The security officer sets a new user PIN with the SO PIN; this clears a locked or low-tries
        user PIN. A wrong SO PIN uses up one of the SO PIN&apos;s tries.
      </p>
      <PinField label="SO PIN" value={soPin} onChange={setSoPin} isRequired />
      {fresh.fields('New user PIN')}
      {finalTry && (
        <FinalTryConsent role="so" isSelected={acceptFinalTry} onChange={setAcceptFinalTry} />
      )}
      {unblock.busy && <Progress label="Setting the new user PIN on the token…" />}
      <ErrorNote error={pinErrorForScreen(unblock.error, token, 'so')} />
      {unblocked && (
        <p className="note note-ok" role="status">
          The user PIN of token {tokenName(token)} was set anew and is unblocked.
        </p>
      )}
      <Button
        type="submit"
        className="button button-primary"
        isDisabled={unblock.busy || fresh.invalid || soPin.length === 0}
      >
        Unblock PIN
      </Button>
    </Form>
  );
}
