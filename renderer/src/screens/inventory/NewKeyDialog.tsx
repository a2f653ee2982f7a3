import { useState } from 'react';
import {
  Button,
  CheckboxGroup,
  FieldError,
  Form,
  Input,
  Label,
  RadioGroup,
  Text,
  TextArea,
  TextField,
} from 'react-aria-components';
import type { RequestOf } from '../../../../electron/shared/contract.ts';
import type {
  GeneratedAlgorithm,
  KeyView,
  PersonView,
  Purpose,
} from '../../../../electron/shared/inventory-types.ts';
import { CallError, ask, keywarden, useAction, useQuery, withSecret } from '../../api.ts';
import { DialogButtons, DialogFrame, SubmitButton } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import { hrefOf } from '../../router.ts';
import { CheckboxChoice, RadioChoice } from '../../components/ChoiceBoxes.tsx';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import { TIER_WORDS } from './InventoryFilters.tsx';
import {
  ALGORITHM_PURPOSES,
  ALGORITHM_WORDS,
  DEFAULT_PURPOSES,
  algorithmsFor,
  keyPeople,
  tiersFor,
} from './new-key-choices.ts';
import type { Placement } from './new-key-choices.ts';
import { FRESH, placeDraft, requestOf, tokenId } from './new-key-draft.ts';
import type { Draft } from './new-key-draft.ts';

// The "New key" dialog: a key generated in the vault, or on a token the app sees (its PIN
// asked for here). The PIN becomes bytes only for the call (withSecret zeroes them) and the
// field is emptied after every try. Everything else is inventory metadata, not secret.

function NewKeyForm(props: {
  people: readonly PersonView[];
  onCreated: (key: KeyView) => void;
  close: () => void;
}) {
  const { onCreated, close } = props;
  const people = keyPeople(props.people);
  const [draft, setDraft] = useState<Draft>(FRESH);
  const [pin, setPin] = useState('');
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const tokens = useQuery(() => ask(keywarden().tokens.list({})));
  const attached = tokens.data?.tokens.filter((token) => token.initialized) ?? [];
  const chosenToken = attached.find((token) => tokenId(token) === draft.token) ?? null;

  const generate = useAction(async (request: RequestOf<'keys:generate'>) => {
    if (draft.placement === 'vault') return ask(keywarden().keys.generate(request));
    if (!chosenToken) {
      throw new CallError({
        code: 'TOKEN_NOT_PRESENT',
        message: 'Choose the token to generate on.',
      });
    }
    const { module, serial } = chosenToken;
    // The PIN's bytes live only for this call; withSecret zeroes them whatever happens.
    return withSecret(pin, (bytes) =>
      ask(keywarden().keys.generate({ ...request, token: { serial, module, pin: bytes } })),
    );
  });

  const place = (placement: Placement) => setDraft((d) => placeDraft(d, placement, attached));

  if (people.length === 0) {
    return (
      <div className="form">
        <p>
          A key needs an owner from the people registry, and there is nobody in it yet.{' '}
          <a href={hrefOf({ screen: 'people' })} onClick={close}>
            Add people
          </a>{' '}
          first.
        </p>
        <Button className="button" onPress={close}>
          Close
        </Button>
      </div>
    );
  }

  return (
    <Form
      className="form inv-new-key"
      onSubmit={(event) => {
        event.preventDefault();
        // The Generate button stays enabled while it runs (it keeps the focus); a second
        // submit meanwhile is ignored here.
        if (generate.busy) return;
        void generate.run(requestOf(draft)).then((key) => {
          setPin('');
          if (key) onCreated(key);
        });
      }}
    >
      <TextField
        className="field"
        value={draft.name}
        onChange={(name) => set({ name })}
        isRequired
        maxLength={200}
        autoFocus
      >
        <Label>Name</Label>
        <Input />
        <FieldError className="field-error" />
      </TextField>

      <RadioGroup
        className="inv-radios"
        value={draft.placement}
        onChange={(value) => place(value as Placement)}
        orientation="horizontal"
      >
        <Label>Generate it</Label>
        <div className="kw-choices kw-choices-row">
          <RadioChoice value="vault">in the vault</RadioChoice>
          <RadioChoice value="token" isDisabled={attached.length === 0}>
            on a token
          </RadioChoice>
        </div>
        {tokens.loading && <span className="hint">Looking for tokens…</span>}
        {!tokens.loading && attached.length === 0 && (
          <Text slot="description" className="hint">
            No initialised token is attached; insert one to generate a key on it.
          </Text>
        )}
      </RadioGroup>

      {draft.placement === 'token' && (
        <div className="inv-form-row">
          <ChoiceField
            label="Token"
            value={draft.token}
            isRequired
            options={attached.map((token) => ({
              id: tokenId(token),
              label: `${token.label.trim() || token.model} — serial ${token.serial}`,
            }))}
            onChange={(token) => set({ token })}
          />
          <SecretField
            label="Token PIN"
            kind="pin"
            value={pin}
            onChange={setPin}
            isRequired
            maxLength={256}
          />
        </div>
      )}

      <div className="inv-form-row">
        <ChoiceField
          label="Algorithm"
          value={draft.algorithm}
          isRequired
          options={algorithmsFor(draft.placement).map((a) => ({
            id: a,
            label: ALGORITHM_WORDS[a],
          }))}
          onChange={(id) => {
            const algorithm = (id ?? 'ed25519') as GeneratedAlgorithm;
            set({ algorithm, purposes: [...DEFAULT_PURPOSES[algorithm]] });
          }}
        />
        <ChoiceField
          label="Owner"
          value={draft.owner}
          isRequired
          options={people.map((person) => ({ id: person.id, label: person.name }))}
          onChange={(owner) => set({ owner })}
        />
      </div>

      <CheckboxGroup
        className="inv-checks"
        value={draft.purposes}
        onChange={(purposes) => set({ purposes: purposes as Purpose[] })}
        isRequired
        validate={(value) => (value.length === 0 ? 'Choose at least one purpose.' : null)}
      >
        <Label>Purposes</Label>
        <div className="kw-choices kw-choices-row">
          {ALGORITHM_PURPOSES[draft.algorithm].map((purpose) => (
            <CheckboxChoice key={purpose} value={purpose}>
              {purpose}
            </CheckboxChoice>
          ))}
        </div>
        <FieldError className="field-error" />
      </CheckboxGroup>

      <div className="inv-form-row">
        <ChoiceField
          label="Tier"
          value={draft.tier}
          options={tiersFor(draft.placement).map((tier) => ({
            id: String(tier),
            label: TIER_WORDS[tier] ?? String(tier),
          }))}
          description={
            draft.placement === 'vault'
              ? 'Tier 1 keys are generated on a token. Tiers 1 and 2 need a custodian besides the owner.'
              : 'Tiers 1 and 2 need a custodian besides the owner.'
          }
          onChange={(tier) => set({ tier: tier ?? '3' })}
        />
        <CheckboxGroup
          className="inv-checks"
          value={draft.custodians}
          onChange={(custodians) => set({ custodians })}
        >
          <Label>Custodians</Label>
          <div className="kw-choices kw-choices-row">
            {people
              .filter((person) => person.id !== draft.owner)
              .map((person) => (
                <CheckboxChoice key={person.id} value={person.id}>
                  {person.name}
                </CheckboxChoice>
              ))}
          </div>
        </CheckboxGroup>
      </div>

      <div className="inv-form-row">
        <TextField
          className="field"
          value={draft.environment}
          onChange={(environment) => set({ environment })}
          maxLength={100}
        >
          <Label>Environment</Label>
          <Input />
        </TextField>
        <TextField
          className="field"
          value={draft.classification}
          onChange={(classification) => set({ classification })}
          maxLength={100}
        >
          <Label>Data classification</Label>
          <Input />
        </TextField>
      </div>

      <TextField className="field" value={draft.labels} onChange={(labels) => set({ labels })}>
        <Label>Labels</Label>
        <Input />
        <Text slot="description" className="hint">
          Separated by commas, for example: pci, service:billing
        </Text>
      </TextField>
      <TextField
        className="field"
        value={draft.notes}
        onChange={(notes) => set({ notes })}
        maxLength={10_000}
      >
        <Label>Notes</Label>
        <TextArea rows={2} />
      </TextField>
      <CheckboxChoice
        isSelected={draft.preActivation}
        onChange={(preActivation) => set({ preActivation })}
      >
        Enter it pre-activation (activate it later)
      </CheckboxChoice>

      {generate.busy && (
        <Progress
          label={
            draft.placement === 'token'
              ? `Generating the key on token ${chosenToken?.serial ?? ''}…`
              : 'Generating the key…'
          }
        />
      )}
      <ErrorNote error={generate.error} />
      <DialogButtons close={close} isCloseDisabled={generate.busy}>
        <SubmitButton pending={generate.busy}>Generate key</SubmitButton>
      </DialogButtons>
    </Form>
  );
}

/** The dialog, open while `isOpen`; `onCreated` gets the new key. */
export function NewKeyDialog(props: {
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  people: readonly PersonView[];
  onCreated: (key: KeyView) => void;
}) {
  return (
    <DialogFrame
      title="New key"
      size="wide"
      isOpen={props.isOpen}
      onOpenChange={props.onOpenChange}
    >
      {(close) => <NewKeyForm people={props.people} onCreated={props.onCreated} close={close} />}
    </DialogFrame>
  );
}
