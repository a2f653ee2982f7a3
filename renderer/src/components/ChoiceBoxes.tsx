import { useId } from 'react';
import { Checkbox, Radio } from 'react-aria-components';
import type { CheckboxProps, RadioProps } from 'react-aria-components';

// A checkbox and a radio drawn in the theme's colours, each with its words (its name) and an
// optional line under them saying what choosing it means (its description). Forms group them
// in a `kw-choices` box (`kw-choices-row` to lay them side by side). A confirmation a person
// ticks before a destructive action is a CheckboxChoice too.

/** The ids that name and describe a choice by its words and its hint. */
function useChoiceIds(hint: string | undefined) {
  const id = useId();
  return {
    ids: { name: `${id}-name`, hint: `${id}-hint` },
    aria: {
      'aria-labelledby': `${id}-name`,
      ...(hint ? { 'aria-describedby': `${id}-hint` } : {}),
    },
  };
}

function Face({
  ids,
  selected,
  mark,
  children,
  hint,
}: {
  ids: { name: string; hint: string };
  selected: boolean;
  mark: string;
  children: React.ReactNode;
  hint?: string | undefined;
}) {
  return (
    <>
      <span className="kw-choice-box" aria-hidden="true">
        {selected ? mark : ''}
      </span>
      <span className="kw-choice-text">
        <span id={ids.name}>{children}</span>
        {hint && (
          <span id={ids.hint} className="kw-choice-hint">
            {hint}
          </span>
        )}
      </span>
    </>
  );
}

/** A checkbox, alone or in a CheckboxGroup. */
export function CheckboxChoice({
  children,
  hint,
  ...props
}: Omit<CheckboxProps, 'children' | 'className'> & { children: React.ReactNode; hint?: string }) {
  const { ids, aria } = useChoiceIds(hint);
  return (
    <Checkbox {...props} {...aria} className="kw-choice">
      {({ isSelected }) => (
        <Face ids={ids} selected={isSelected} mark="✓" hint={hint}>
          {children}
        </Face>
      )}
    </Checkbox>
  );
}

/** A radio of a RadioGroup. */
export function RadioChoice({
  children,
  hint,
  ...props
}: Omit<RadioProps, 'children' | 'className'> & { children: React.ReactNode; hint?: string }) {
  const { ids, aria } = useChoiceIds(hint);
  return (
    <Radio {...props} {...aria} className="kw-choice kw-choice-radio">
      {({ isSelected }) => (
        <Face ids={ids} selected={isSelected} mark="" hint={hint}>
          {children}
        </Face>
      )}
    </Radio>
  );
}
