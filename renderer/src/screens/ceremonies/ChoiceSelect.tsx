import {
  Button,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  Text,
} from 'react-aria-components';

// A labelled drop-down list for one choice (a key, a template parameter's choices), built on
// React Aria's Select: keyboard, type-ahead and screen readers as the platform does them.

export interface Choice {
  id: string;
  label: string;
}

export function ChoiceSelect({
  label,
  choices,
  value,
  onChange,
  description,
  isRequired = false,
  placeholder = 'Choose…',
}: {
  label: string;
  choices: Choice[];
  value: string | null;
  onChange: (value: string | null) => void;
  description?: string;
  isRequired?: boolean;
  placeholder?: string;
}) {
  return (
    <Select
      className="field field-wide cer-select"
      value={value}
      onChange={(key) => onChange(key === null ? null : String(key))}
      placeholder={placeholder}
      isRequired={isRequired}
    >
      <Label>{label}</Label>
      <Button className="input cer-select-button">
        <SelectValue className="cer-select-value" />
        <span aria-hidden="true">▾</span>
      </Button>
      {description && (
        <Text slot="description" className="hint">
          {description}
        </Text>
      )}
      <Popover className="cer-popover">
        <ListBox className="cer-listbox" items={choices}>
          {(choice) => (
            <ListBoxItem id={choice.id} className="cer-option" textValue={choice.label}>
              {choice.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
