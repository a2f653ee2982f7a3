import {
  Button,
  ComboBox,
  DateField,
  DateInput,
  DateSegment,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  SearchField,
} from 'react-aria-components';
import type { DateValue } from 'react-aria-components';
import type { AuditOutcome } from '../../../../electron/shared/vault-types.ts';
import { ChoiceField } from '../../components/ChoiceField.tsx';

// The filter bar of the audit log. The dates are kept as the date fields' own values here and
// handed to the matcher as "YYYY-MM-DD" days.

export interface FilterFields {
  actor: string | null;
  action: string;
  outcome: AuditOutcome | 'any';
  text: string;
  from: DateValue | null;
  to: DateValue | null;
}

export const EMPTY_FIELDS: FilterFields = {
  actor: null,
  action: '',
  outcome: 'any',
  text: '',
  from: null,
  to: null,
};

const ANYONE = '\u0000anyone';

function Day(props: {
  label: string;
  value: DateValue | null;
  onChange: (v: DateValue | null) => void;
}) {
  return (
    <DateField
      className="field audit-date"
      value={props.value}
      onChange={props.onChange}
      granularity="day"
    >
      <Label>{props.label}</Label>
      <DateInput className="input audit-date-input">
        {(segment) => <DateSegment segment={segment} className="audit-date-segment" />}
      </DateInput>
    </DateField>
  );
}

export function AuditFilters({
  fields,
  actors,
  actions,
  onChange,
}: {
  fields: FilterFields;
  actors: readonly string[];
  actions: readonly string[];
  onChange: (fields: FilterFields) => void;
}) {
  const set = (change: Partial<FilterFields>) => onChange({ ...fields, ...change });
  const actorOptions = [
    { id: ANYONE, label: 'Anyone' },
    ...actors.map((actor) => ({ id: actor, label: actor })),
  ];
  const actionItems = actions.map((action) => ({ id: action, name: action }));
  return (
    <div className="audit-filters" role="search" aria-label="Filter the audit log">
      <ChoiceField
        label="Actor"
        className="audit-select"
        value={fields.actor ?? ANYONE}
        options={actorOptions}
        onChange={(id) => set({ actor: id === ANYONE ? null : id })}
      />
      <ComboBox
        className="field audit-action"
        allowsCustomValue
        menuTrigger="focus"
        inputValue={fields.action}
        onInputChange={(action) => set({ action })}
        defaultItems={actionItems}
      >
        <Label>Action starts with</Label>
        <div className="audit-combo">
          <Input className="input" placeholder="key." />
          <Button className="audit-combo-button" aria-label="Show the actions">
            ▾
          </Button>
        </div>
        <Popover className="kw-popover">
          <ListBox className="kw-listbox">
            {(item: { id: string; name: string }) => (
              <ListBoxItem id={item.id} className="kw-option" textValue={item.name}>
                {item.name}
              </ListBoxItem>
            )}
          </ListBox>
        </Popover>
      </ComboBox>
      <ChoiceField
        label="Outcome"
        className="audit-select"
        value={fields.outcome}
        options={[
          { id: 'any', label: 'Any outcome' },
          { id: 'success', label: 'Success' },
          { id: 'failure', label: 'Failure' },
        ]}
        onChange={(outcome) => set({ outcome })}
      />
      <SearchField
        className="field audit-search"
        value={fields.text}
        onChange={(text) => set({ text })}
      >
        <Label>Target or detail contains</Label>
        <Input className="input" />
      </SearchField>
      <Day label="From" value={fields.from} onChange={(from) => set({ from })} />
      <Day label="To" value={fields.to} onChange={(to) => set({ to })} />
      <Button className="button audit-clear" onPress={() => onChange(EMPTY_FIELDS)}>
        Clear filters
      </Button>
    </div>
  );
}
