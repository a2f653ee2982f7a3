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

// One labelled choice from a short list (React Aria's Select): the filters and the new-key
// form use it. `value` is an option's id, or null for none chosen.

export interface Choice {
  id: string;
  label: string;
}

export function ChoiceField(props: {
  label: string;
  value: string | null;
  options: readonly Choice[];
  onChange: (id: string | null) => void;
  placeholder?: string;
  description?: string;
  isRequired?: boolean;
  isDisabled?: boolean;
  className?: string;
}) {
  const { label, value, options, onChange, placeholder, description } = props;
  return (
    <Select
      className={props.className ?? 'field inv-choice'}
      value={value}
      onChange={(key) => onChange(key === null ? null : String(key))}
      placeholder={placeholder ?? 'Choose…'}
      isRequired={props.isRequired}
      isDisabled={props.isDisabled}
    >
      <Label>{label}</Label>
      <Button className="inv-choice-button">
        <SelectValue />
        <span aria-hidden="true" className="inv-choice-arrow">
          ▾
        </span>
      </Button>
      {description && (
        <Text slot="description" className="hint">
          {description}
        </Text>
      )}
      <FieldError className="field-error" />
      <Popover className="inv-popover">
        <ListBox className="inv-listbox" items={options}>
          {(option) => (
            <ListBoxItem id={option.id} className="inv-option" textValue={option.label}>
              {option.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
