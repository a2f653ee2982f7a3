import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { NewSecretFields, useNewSecret } from '../../components/NewSecretFields.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import type { PinRole } from './token-words.ts';

// The pieces every PIN form on this screen shares: a PIN field that never autocompletes, a new
// PIN typed twice (held to the token's length rule), and the consent to spend a PIN's final
// try. A PIN typed here lives in the form's state only until the form is submitted; the forms
// clear it then, whatever the outcome.

/** A PIN field (SecretField of kind pin): never remembered or suggested by the browser. */
export function PinField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  isRequired?: boolean;
  description?: string | undefined;
}) {
  return (
    <SecretField
      label={props.label}
      kind="pin"
      value={props.value}
      onChange={props.onChange}
      description={props.description}
      isRequired={props.isRequired ?? false}
    />
  );
}

/**
 * A new PIN typed twice (NewSecretFields), checked against the token's length rule before
 * anything is sent: `fields(label)` are its two fields, `ready` says they agree, `invalid` that
 * it cannot be sent, `clear` empties both.
 */
export function useNewPin(token: TokenView) {
  const entries = useNewSecret();
  const { min, max } = token.pinLength;
  const length = entries.value.length;
  const badLength = length > 0 && max > 0 && (length < min || length > max);
  return {
    newPin: entries.value,
    ready: entries.ready,
    invalid: badLength || !entries.ready,
    fields: (label: string) => (
      <NewSecretFields
        entries={entries}
        kind="pin"
        label={label}
        againLabel={`${label}, again`}
        description={max > 0 ? `${min} to ${max} characters.` : undefined}
        error={badLength ? `This token takes a PIN of ${min} to ${max} characters.` : undefined}
        isRequired
      />
    ),
    clear: entries.clear,
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
