import { memo, useMemo } from 'react';
import { Button, Group, Input, Label, NumberField, SearchField } from 'react-aria-components';
import { KEY_STATES, PURPOSES, TIERS } from '../../../../electron/shared/inventory-types.ts';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import type { InventoryKey } from './inventory-rows.ts';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import type { Choice } from '../../components/ChoiceField.tsx';
import type { InventoryQuery } from './inventory-rows.ts';

// The filters over the loaded inventory: state, tier, owner, purpose, environment, location,
// keys due within N days, and a search over names, ids, owners and labels. Each choice has
// "Any" first; the environments and token serials offered are those the keys have.

const ANY = 'any';
export const TIER_WORDS: Record<number, string> = {
  1: '1 — catastrophic',
  2: '2 — high',
  3: '3 — moderate',
  4: '4 — low',
};

const withAny = (label: string, choices: Choice[]): Choice[] => [{ id: ANY, label }, ...choices];

const STATE_CHOICES = withAny(
  'Any state',
  KEY_STATES.map((state) => ({ id: state, label: state })),
);
const TIER_CHOICES = withAny(
  'Any tier',
  TIERS.map((tier) => ({ id: String(tier), label: TIER_WORDS[tier] ?? String(tier) })),
);
const PURPOSE_CHOICES = withAny(
  'Any purpose',
  PURPOSES.map((purpose) => ({ id: purpose, label: purpose })),
);

/** Memoized, with option lists built once: the dozen selects re-render only when the query changes. */
export const InventoryFilters = memo(function InventoryFilters(props: {
  query: InventoryQuery;
  onChange: (change: Partial<InventoryQuery>) => void;
  onClear: () => void;
  keys: readonly InventoryKey[];
  people: readonly PersonView[];
}) {
  const { query, onChange, onClear, keys, people } = props;
  const choices = useMemo(() => {
    const environments = new Set<string>();
    const serials = new Set<string>();
    for (const key of keys) {
      environments.add(key.environment);
      if (key.location.kind === 'token') serials.add(key.location.serial);
    }
    return {
      environments: withAny(
        'Any environment',
        [...environments].sort().map((environment) => ({ id: environment, label: environment })),
      ),
      locations: withAny('Anywhere', [
        { id: 'vault', label: 'vault' },
        { id: 'token', label: 'any token' },
        ...[...serials]
          .sort()
          .map((serial) => ({ id: `token:${serial}`, label: `token ${serial}` })),
        { id: 'external', label: 'external' },
      ]),
    };
  }, [keys]);
  const owners = useMemo(
    () =>
      withAny(
        'Anyone',
        [...people]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((person) => ({ id: person.id, label: person.name })),
      ),
    [people],
  );
  const choice = (value: string | null) => value ?? ANY;
  const chosen = (id: string | null) => (id === null || id === ANY ? null : id);

  return (
    <Group className="inv-filters" aria-label="Filters">
      <SearchField
        className="field inv-search"
        value={query.search}
        onChange={(search) => onChange({ search })}
      >
        <Label>Search</Label>
        <Input placeholder="Name, id, owner or label" />
      </SearchField>
      <ChoiceField
        label="State"
        value={choice(query.state)}
        options={STATE_CHOICES}
        onChange={(id) => onChange({ state: chosen(id) as InventoryQuery['state'] })}
      />
      <ChoiceField
        label="Tier"
        value={query.tier === null ? ANY : String(query.tier)}
        options={TIER_CHOICES}
        onChange={(id) => {
          const tier = chosen(id);
          onChange({ tier: tier === null ? null : (Number(tier) as InventoryQuery['tier']) });
        }}
      />
      <ChoiceField
        label="Owner"
        value={choice(query.owner)}
        options={owners}
        onChange={(id) => onChange({ owner: chosen(id) })}
      />
      <ChoiceField
        label="Purpose"
        value={choice(query.purpose)}
        options={PURPOSE_CHOICES}
        onChange={(id) => onChange({ purpose: chosen(id) as InventoryQuery['purpose'] })}
      />
      <ChoiceField
        label="Environment"
        value={choice(query.environment)}
        options={choices.environments}
        onChange={(id) => onChange({ environment: chosen(id) })}
      />
      <ChoiceField
        label="Location"
        value={choice(query.location)}
        options={choices.locations}
        onChange={(id) => onChange({ location: chosen(id) })}
      />
      <NumberField
        className="field inv-days"
        value={query.dueWithinDays ?? Number.NaN}
        minValue={0}
        maxValue={36_500}
        step={1}
        formatOptions={{ maximumFractionDigits: 0, useGrouping: false }}
        onChange={(days) => onChange({ dueWithinDays: Number.isNaN(days) ? null : days })}
      >
        <Label>Due within (days)</Label>
        <Input placeholder="any time" />
      </NumberField>
      <Button className="button inv-clear" onPress={onClear}>
        Clear filters
      </Button>
    </Group>
  );
});
