import { useState } from 'react';
import { Button, CheckboxGroup, Form, Input, Label, Text, TextField } from 'react-aria-components';
import type { KeyView, PersonView, Purpose } from '../../../../electron/shared/inventory-types.ts';
import type { TokenKeyAlgorithm, TokenView } from '../../../../electron/shared/token-types.ts';
import { ask, keywarden, useAction, useQuery, withSecret } from '../../api.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import { FinalTryConsent, PinField, onFinalTry } from './PinFields.tsx';
import type { ListedObjects } from './TokenObjects.tsx';
import { ALGORITHM_CHOICES, PURPOSE_CHOICES, pinErrorForScreen, tokenName } from './token-words.ts';

// A key generated on the token (sensitive, never extractable) and entered in the inventory in
// the same call. The user PIN is bytes for the generation and for listing the objects after
// it (so the new key shows among them), and zeroed when both are done.

const TIERS = [
  { id: 1, label: '1 — catastrophic (needs a custodian besides the owner)' },
  { id: 2, label: '2 — high (needs a custodian besides the owner)' },
  { id: 3, label: '3 — moderate' },
  { id: 4, label: '4 — low' },
] as const;

function GenerateForm(props: {
  token: TokenView;
  people: PersonView[];
  onGenerated: (key: KeyView, listed: ListedObjects | null) => void;
  onPinTried: () => void;
}) {
  const { token, people, onGenerated, onPinTried } = props;
  const [name, setName] = useState('');
  const [algorithm, setAlgorithm] = useState<TokenKeyAlgorithm>('p256');
  const [purposes, setPurposes] = useState<string[]>([...PURPOSE_CHOICES.p256.ticked]);
  const owners = people.filter((person) => !person.roles.includes('auditor'));
  const [owner, setOwner] = useState<string | null>(owners[0]?.name ?? null);
  const [tier, setTier] = useState<number>(3);
  const [custodians, setCustodians] = useState<string[]>([]);
  const [pin, setPin] = useState('');
  const [acceptFinalTry, setAcceptFinalTry] = useState(false);

  const generate = useAction(async (typed: string) =>
    withSecret(typed, async (bytes) => {
      const tokenRef = {
        serial: token.serial,
        module: token.module,
        ...(acceptFinalTry ? { acceptFinalTry: true } : {}),
      };
      const key = await ask(
        keywarden().keys.generate({
          name: name.trim(),
          algorithm,
          purposes: purposes as Purpose[],
          owner: owner ?? '',
          tier,
          ...(tier <= 2 ? { custodians } : {}),
          token: { ...tokenRef, pin: bytes },
        }),
      );
      // The key is made; a failure to list afterwards only leaves the table as it was.
      const objects = await ask(keywarden().tokens.objects({ ...tokenRef, pin: bytes })).catch(
        () => null,
      );
      return { key, listed: objects && { objects, withPin: true } };
    }),
  );
  const finalTry = onFinalTry(token, 'user', generate.error);
  const slow = algorithm.startsWith('rsa');
  const incomplete = !name.trim() || purposes.length === 0 || !owner || pin.length === 0;

  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (incomplete) return;
        const typed = pin;
        setPin('');
        void generate.run(typed).then((made) => {
          setAcceptFinalTry(false);
          onPinTried();
          if (!made) return;
          setName('');
          onGenerated(made.key, made.listed);
        });
      }}
    >
      <TextField className="field" value={name} onChange={setName} isRequired maxLength={200}>
        <Label>Key name</Label>
        <Input spellCheck={false} />
        <Text slot="description" className="hint">
          Also the objects&apos; label on the token.
        </Text>
      </TextField>
      <ChoiceField
        label="Algorithm"
        value={algorithm}
        options={ALGORITHM_CHOICES}
        onChange={(chosen) => {
          setAlgorithm(chosen);
          setPurposes([...PURPOSE_CHOICES[chosen].ticked]);
        }}
      />
      <CheckboxGroup className="field checkbox-group" value={purposes} onChange={setPurposes}>
        <Label>Purposes</Label>
        <div className="kw-choices kw-choices-row">
          {PURPOSE_CHOICES[algorithm].offered.map((purpose) => (
            <CheckboxChoice key={purpose} value={purpose}>
              {purpose}
            </CheckboxChoice>
          ))}
        </div>
      </CheckboxGroup>
      <ChoiceField
        label="Owner"
        value={owner}
        options={owners.map((person) => ({ id: person.name, label: person.name }))}
        onChange={setOwner}
      />
      <ChoiceField label="Tier" value={tier} options={TIERS} onChange={setTier} />
      {tier <= 2 && (
        <CheckboxGroup className="field checkbox-group" value={custodians} onChange={setCustodians}>
          <Label>Custodians</Label>
          <div className="kw-choices kw-choices-row">
            {people
              .filter((person) => person.name !== owner)
              .map((person) => (
                <CheckboxChoice key={person.id} value={person.name}>
                  {person.name}
                </CheckboxChoice>
              ))}
          </div>
        </CheckboxGroup>
      )}
      <PinField label="User PIN" value={pin} onChange={setPin} isRequired />
      {finalTry && (
        <FinalTryConsent role="user" isSelected={acceptFinalTry} onChange={setAcceptFinalTry} />
      )}
      {generate.busy && (
        <Progress
          label={
            slow
              ? `Token ${tokenName(token)} is generating an RSA key: this takes several seconds…`
              : `Token ${tokenName(token)} is generating the key…`
          }
        />
      )}
      <ErrorNote error={pinErrorForScreen(generate.error, token, 'user')} />
      <Button
        type="submit"
        className="button button-primary"
        isDisabled={generate.busy || incomplete}
      >
        Generate on this token
      </Button>
    </Form>
  );
}

/** The form, once the people registry is read; and what the last generation made. */
export function GenerateOnToken(props: {
  token: TokenView;
  onGenerated: (listed: ListedObjects | null) => void;
  onPinTried: () => void;
}) {
  const people = useQuery(() => ask(keywarden().people.list({})));
  const [made, setMade] = useState<KeyView | null>(null);
  if (people.loading && !people.data) return <Progress label="Reading the people registry…" />;
  if (people.error) return <ErrorNote error={people.error} />;
  if (!people.data || people.data.length === 0) {
    return (
      <p className="empty">
        Every key has an owner, and the people registry is empty:{' '}
        <a href={hrefOf({ screen: 'people' })}>add people</a> first.
      </p>
    );
  }
  return (
    <>
      <p className="hint">
        The key is generated on token {tokenName(props.token)}, sensitive and never extractable, and
        entered in the inventory with the token&apos;s serial and its CKA_ID.
      </p>
      <GenerateForm
        token={props.token}
        people={people.data}
        onPinTried={props.onPinTried}
        onGenerated={(key, listed) => {
          setMade(key);
          props.onGenerated(listed);
        }}
      />
      <div role="status" className="generated">
        {made && (
          <p className="note note-ok">
            Generated <strong>{made.name}</strong> ({made.algorithm}) on the token
            {made.location.kind === 'token' && (
              <>
                {' '}
                with CKA_ID <code className="cka-id">{made.location.ckaId}</code>
              </>
            )}
            . It is in the inventory:{' '}
            <a href={hrefOf({ screen: 'key', id: made.id })}>open {made.name}</a>.
          </p>
        )}
      </div>
    </>
  );
}
