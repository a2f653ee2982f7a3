import { useState } from 'react';
import type { ReactNode } from 'react';
import { SecretField } from './SecretField.tsx';
import type { SecretKind } from './SecretField.tsx';

// A new secret typed twice (a passphrase, a PIN), so that a slip of the finger is caught
// before the secret is set. Both entries live in the form's state only, as any SecretField's
// do: the form turns the first into bytes for its call alone (withSecret zeroes them) and
// empties both fields after it.

/** A new secret as typed: the first entry, the same again, and how each changes. */
export interface NewSecretEntries {
  value: string;
  again: string;
  onChange: (value: string) => void;
  onAgain: (again: string) => void;
}

/** Whether the second entry is begun and differs from the first: the second field says so. */
function entriesDiffer(value: string, again: string): boolean {
  return again.length > 0 && again !== value;
}

/**
 * The state of a new secret typed twice: its `entries` for NewSecretFields, `differ` while the
 * second entry is begun and not the same (a form disables its submit then), `ready` once the
 * secret is typed and the same again (the pair may be sent), and `clear` to empty both.
 */
export function useNewSecret(): NewSecretEntries & {
  differ: boolean;
  ready: boolean;
  clear: () => void;
} {
  const [value, setValue] = useState('');
  const [again, setAgain] = useState('');
  return {
    value,
    again,
    onChange: setValue,
    onAgain: setAgain,
    differ: entriesDiffer(value, again),
    ready: value.length > 0 && again === value,
    clear: () => {
      setValue('');
      setAgain('');
    },
  };
}

/**
 * The two fields of a new secret: `label`'s, then `againLabel`'s, which says when the two
 * entries differ. `description`, `error`, and `autoFocus` are the first field's (as SecretField
 * takes them); `isRequired` is both fields'. With `askAgain` false the second field is left
 * out (a PIN the vault does not set, an optional PIN left empty).
 */
export function NewSecretFields({
  entries,
  kind,
  label,
  againLabel,
  description,
  error,
  isRequired = false,
  autoFocus = false,
  askAgain = true,
}: {
  entries: NewSecretEntries;
  kind: Exclude<SecretKind, 'current'>;
  label: string;
  againLabel: string;
  description?: ReactNode;
  error?: string | null | undefined;
  isRequired?: boolean;
  autoFocus?: boolean;
  askAgain?: boolean;
}) {
  return (
    <>
      <SecretField
        label={label}
        kind={kind}
        value={entries.value}
        onChange={entries.onChange}
        description={description}
        error={error}
        isRequired={isRequired}
        autoFocus={autoFocus}
      />
      {askAgain && (
        <SecretField
          label={againLabel}
          kind={kind}
          value={entries.again}
          onChange={entries.onAgain}
          error={entriesDiffer(entries.value, entries.again) ? 'The two entries differ.' : null}
          isRequired={isRequired}
        />
      )}
    </>
  );
}
