import type { ReactNode, Ref } from 'react';
import { FieldError, Input, Label, Text, TextField } from 'react-aria-components';

// Every field a secret is typed into: a passphrase, a PIN. The text is masked and never spell
// checked (a spell checker may send it away). It lives in the form's state only: the form turns
// it into bytes for its call alone (withSecret zeroes them) and empties the field after.

/**
 * What the secret is, which decides what the browser may offer to fill in: a `new` secret
 * being chosen, the `current` one of this vault, or a `pin` (never remembered or suggested).
 */
export type SecretKind = 'new' | 'current' | 'pin';

const AUTOCOMPLETE: Record<SecretKind, string> = {
  new: 'new-password',
  current: 'current-password',
  pin: 'off',
};

/**
 * A labelled, masked field for a secret. `description` shows under it; `error` (when given)
 * marks it invalid and says why; left out, a failed `isRequired` check shows instead.
 * `inputRef` reaches the input, to put the cursor back in it after a refused try. Pass
 * `className` to size it within a screen's layout (it is added to `field`).
 */
export function SecretField({
  label,
  value,
  onChange,
  kind,
  description,
  error,
  isRequired = false,
  autoFocus = false,
  maxLength,
  inputRef,
  className,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  kind: SecretKind;
  description?: ReactNode;
  error?: string | null | undefined;
  isRequired?: boolean;
  autoFocus?: boolean;
  maxLength?: number;
  inputRef?: Ref<HTMLInputElement>;
  className?: string;
}) {
  return (
    <TextField
      className={className ? `field ${className}` : 'field'}
      type="password"
      value={value}
      onChange={onChange}
      isRequired={isRequired}
      // Given, `error` decides validity; left out, the form's own checks (isRequired) do.
      isInvalid={error === undefined ? undefined : Boolean(error)}
      maxLength={maxLength}
    >
      <Label>{label}</Label>
      <Input
        ref={inputRef}
        autoComplete={AUTOCOMPLETE[kind]}
        spellCheck={false}
        autoFocus={autoFocus}
      />
      {description && (
        <Text slot="description" className="hint">
          {description}
        </Text>
      )}
      {error ? (
        <Text slot="errorMessage" className="field-error">
          {error}
        </Text>
      ) : (
        <FieldError className="field-error" />
      )}
    </TextField>
  );
}
