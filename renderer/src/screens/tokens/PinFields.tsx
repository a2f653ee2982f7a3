import { useState } from 'react';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import type { PinRole } from './token-words.ts';

// The pieces every PIN form on this screen shares: a PIN field that never autocompletes, a new
// PIN typed twice, and the consent to spend a PIN's final try. A PIN typed here lives in the form's state
// only until the form is submitted; the forms clear it then, whatever the outcome.

/** A PIN field (SecretField) that says the token's length rule under it. */
export function PinField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  pinLength?: TokenView['pinLength'];
  isRequired?: boolean;
  isInvalid?: boolean;
  invalidText?: string;
  autoFocus?: boolean;
  description?: string;
}) {
  const { pinLength, invalidText, description } = props;
  const lengthRule =
    pinLength && pinLength.max > 0 ? `${pinLength.min} to ${pinLength.max} characters.` : null;
  const hint = [description, lengthRule].filter(Boolean).join(' ');
  return (
    <SecretField
      label={props.label}
      kind="pin"
      value={props.value}
      onChange={props.onChange}
      description={hint}
      error={props.isInvalid ? (invalidText ?? null) : undefined}
      isRequired={props.isRequired ?? false}
      autoFocus={props.autoFocus ?? false}
    />
  );
}

/**
 * A new PIN typed twice, checked against the token's length rule before anything is sent:
 * `fields(label)` are its two fields, `ready` says they agree, `invalid` that it cannot be sent.
 */
export function useNewPin(token: TokenView) {
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
    ready: newPin.length > 0 && again === newPin,
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

/** Whether a PIN of `role` is on its final try, by the token's flags or by the last refusal. */
export function onFinalTry(token: TokenView, role: PinRole, error: ErrorInfo | null): boolean {
  const state = role === 'so' ? token.soPin : token.userPin;
  return state.finalTry || error?.code === 'PIN_FINAL_TRY';
}

/**
 * The person's consent to spend a PIN's last try (a wrong PIN then locks it). Shown only when
 * the PIN is on its final try; the form sends acceptFinalTry only when it is ticked.
 */
export function FinalTryConsent(props: {
  role: PinRole;
  isSelected: boolean;
  onChange: (selected: boolean) => void;
}) {
  const whose = props.role === 'so' ? 'SO PIN' : 'user PIN';
  return (
    <div className="note note-warn final-try">
      <p>
        <strong>The {whose} is on its final try.</strong> If the PIN you give is wrong, the {whose}{' '}
        locks{props.role === 'user' ? ' until the security officer unblocks it' : ''}.
      </p>
      <CheckboxChoice isSelected={props.isSelected} onChange={props.onChange}>
        Use the final try: I am sure of this PIN
      </CheckboxChoice>
    </div>
  );
}
