import { Checkbox, Input, Label, Text, TextField } from 'react-aria-components';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import type { PinRole } from './token-words.ts';

// The pieces every PIN form on this screen shares: a PIN field that never autocompletes,
// and the consent to spend a PIN's final try. A PIN typed here lives in the form's state
// only until the form is submitted; the forms clear it then, whatever the outcome.

/** A PIN input (password type, no autocomplete or spell check), with the token's length rule. */
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
    <TextField
      className="field"
      type="password"
      value={props.value}
      onChange={props.onChange}
      isRequired={props.isRequired ?? false}
      isInvalid={props.isInvalid ?? false}
    >
      <Label>{props.label}</Label>
      <Input autoComplete="off" spellCheck={false} autoFocus={props.autoFocus ?? false} />
      {hint && (
        <Text slot="description" className="hint">
          {hint}
        </Text>
      )}
      {props.isInvalid && invalidText && (
        <Text slot="errorMessage" className="field-error">
          {invalidText}
        </Text>
      )}
    </TextField>
  );
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
      <Checkbox className="checkbox" isSelected={props.isSelected} onChange={props.onChange}>
        <span className="checkbox-box" aria-hidden="true" />
        Use the final try: I am sure of this PIN
      </Checkbox>
    </div>
  );
}
