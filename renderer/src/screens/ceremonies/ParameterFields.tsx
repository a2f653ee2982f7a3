import { CheckboxGroup, Input, Label, NumberField, Text, TextField } from 'react-aria-components';
import type { CeremonyTemplateView } from '../../../../electron/shared/ceremony-run-types.ts';
import type { KeyView, Purpose } from '../../../../electron/shared/inventory-types.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { ChoiceField } from '../../components/ChoiceField.tsx';

// A template's parameters as a form, one field per parameter by its kind: a key from the
// inventory, a whole number, one of its choices, purposes, a folder, a token's serial, text.
// The service checks every value again when the ceremony opens and says what is wrong.

export type ParameterSpec = CeremonyTemplateView['parameters'][number];
export type ParameterValue = string | number | string[];
export type ParameterValues = Record<string, ParameterValue | undefined>;

// Every purpose the inventory knows, with its words (a missing one fails the type check).
const PURPOSE_WORDS = {
  sign: 'Sign',
  verify: 'Verify',
  encrypt: 'Encrypt',
  decrypt: 'Decrypt',
  wrap: 'Wrap keys',
  unwrap: 'Unwrap keys',
  mac: 'MAC',
  derive: 'Derive',
  agree: 'Key agreement',
  'ssh-auth': 'SSH authentication',
} as const satisfies Record<Purpose, string>;

/** The choice of no value, for an optional parameter (a list item needs a non-empty id). */
const NONE = '(none)';
const GONE = new Set(['destroyed', 'destroyed-compromised']);

/** The values a template starts with: its defaults. */
export function defaultsOf(parameters: ParameterSpec[]): ParameterValues {
  return Object.fromEntries(parameters.map((p) => [p.name, p.default]));
}

/** The parameters as ceremony:start takes them: empty ones left out (the default applies). */
export function requestParameters(values: ParameterValues): Record<string, ParameterValue> {
  const given: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    if (typeof value === 'number' && Number.isNaN(value)) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    given[name] = typeof value === 'string' ? value.trim() : value;
  }
  return given;
}

/** A key as a choice: its name, algorithm and id. */
export const keyChoice = (key: KeyView) => ({
  id: key.id,
  label: `${key.name} (${key.algorithm}, ${key.id})`,
});

function ParameterField({
  spec,
  value,
  onChange,
  keys,
}: {
  spec: ParameterSpec;
  value: ParameterValue | undefined;
  onChange: (value: ParameterValue | undefined) => void;
  keys: KeyView[];
}) {
  const label = spec.optional ? `${spec.label} (optional)` : spec.label;
  switch (spec.kind) {
    case 'key': {
      const choices = keys.filter((k) => !GONE.has(k.state)).map(keyChoice);
      return (
        <ChoiceField
          label={label}
          options={choices}
          value={typeof value === 'string' ? value : null}
          onChange={onChange}
          isRequired={!spec.optional}
          description={
            choices.length === 0
              ? 'The inventory holds no key yet: add one on the Keys screen.'
              : undefined
          }
          className="field-wide"
        />
      );
    }
    case 'integer':
      return (
        <NumberField
          className="field"
          value={typeof value === 'number' ? value : NaN}
          onChange={(n) => onChange(Number.isNaN(n) ? undefined : n)}
          minValue={0}
          step={1}
          isRequired={!spec.optional}
        >
          <Label>{label}</Label>
          <Input className="input" />
        </NumberField>
      );
    case 'choice':
      return (
        <ChoiceField
          label={label}
          options={[
            ...(spec.optional ? [{ id: NONE, label: 'None' }] : []),
            ...(spec.choices ?? []).map((c) => ({ id: c, label: c })),
          ]}
          value={typeof value === 'string' ? value : spec.optional ? NONE : null}
          onChange={(choice) => onChange(choice === NONE ? undefined : choice)}
          isRequired={!spec.optional}
          className="field-wide"
        />
      );
    case 'purposes':
      return (
        <CheckboxGroup
          className="field cer-purposes"
          value={Array.isArray(value) ? value : []}
          onChange={onChange}
          isRequired={!spec.optional}
        >
          <Label>{spec.label.replace(/ \(comma-separated\)$/, '')}</Label>
          <div className="kw-choices kw-choices-row">
            {Object.entries(PURPOSE_WORDS).map(([purpose, words]) => (
              <CheckboxChoice key={purpose} value={purpose}>
                {words}
              </CheckboxChoice>
            ))}
          </div>
        </CheckboxGroup>
      );
    default:
      return (
        <TextField
          className="field field-wide"
          value={typeof value === 'string' ? value : ''}
          onChange={(text) => onChange(text)}
          isRequired={!spec.optional}
        >
          <Label>{label}</Label>
          <Input className={spec.kind === 'directory' ? 'mono' : undefined} spellCheck={false} />
          {spec.kind === 'directory' && (
            <Text slot="description" className="hint">
              A folder that exists (the removable medium, mounted). The share files go into a folder
              of this ceremony’s own inside it.
            </Text>
          )}
          {spec.kind === 'token' && (
            <Text slot="description" className="hint">
              The token’s serial number, as the Tokens screen shows it.
            </Text>
          )}
        </TextField>
      );
  }
}

export function ParameterFields({
  parameters,
  values,
  onChange,
  keys,
}: {
  parameters: ParameterSpec[];
  values: ParameterValues;
  onChange: (values: ParameterValues) => void;
  keys: KeyView[];
}) {
  if (parameters.length === 0) return <p>This ceremony takes no parameters.</p>;
  return (
    <div className="form">
      {parameters.map((spec) => (
        <ParameterField
          key={spec.name}
          spec={spec}
          value={values[spec.name]}
          onChange={(value) => onChange({ ...values, [spec.name]: value })}
          keys={keys}
        />
      ))}
    </div>
  );
}
