import type { ReactNode } from 'react';
import {
  Button,
  FieldError,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  Text,
} from 'react-aria-components';

// One labelled choice from a list, on React Aria's Select: keyboard, type-ahead and screen
// readers as the platform does them. Every drop-down list of the screens is one of these.

/** One option: its id (what `onChange` gets), its words, and an optional note after them. */
export interface Choice<T extends string | number = string> {
  id: T;
  label: string;
  /** Shown muted in brackets after the label (a person's roles, say); not part of its name. */
  hint?: string;
}

/**
 * A labelled select of `options`. `value` is the chosen option's id, or null while none is
 * (the placeholder shows then); `onChange` gets the id of the option a person picks. Pass
 * `className` to size it within a screen's layout (it is added to `field kw-select`).
 */
export function ChoiceField<T extends string | number>({
  label,
  value,
  options,
  onChange,
  placeholder = 'Choose…',
  description,
  isRequired = false,
  isDisabled = false,
  className,
}: {
  label: string;
  value: T | null;
  options: readonly Choice<T>[];
  onChange: (id: T) => void;
  placeholder?: string;
  description?: ReactNode;
  isRequired?: boolean;
  isDisabled?: boolean;
  className?: string;
}) {
  return (
    <Select
      className={className ? `field kw-select ${className}` : 'field kw-select'}
      value={value}
      onChange={(key) => {
        // Select hands back the id as a React key; the option itself gives it its own type.
        const chosen = options.find((option) => String(option.id) === String(key));
        if (chosen) onChange(chosen.id);
      }}
      placeholder={placeholder}
      isRequired={isRequired}
      isDisabled={isDisabled}
    >
      <Label>{label}</Label>
      <Button className="kw-select-button">
        <SelectValue />
        <span aria-hidden="true" className="kw-select-arrow">
          ▾
        </span>
      </Button>
      {description && (
        <Text slot="description" className="hint">
          {description}
        </Text>
      )}
      <FieldError className="field-error" />
      <Popover className="kw-popover">
        <ListBox className="kw-listbox" items={options}>
          {(option) => (
            <ListBoxItem id={option.id} className="kw-option" textValue={option.label}>
              {option.label}
              {option.hint && <span className="hint"> ({option.hint})</span>}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
