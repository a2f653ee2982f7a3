import { useState } from 'react';
import {
  Button,
  Form,
  Group,
  Input,
  Label,
  NumberField,
  RadioGroup,
  Text,
  TextField,
} from 'react-aria-components';
import type { SlotAdded, VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { ask, keywarden, useAction, useEvent, useQuery } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { TouchPrompt } from '../../components/TouchPrompt.tsx';
import { CalibrationProgress, useCalibration } from './CalibrationProgress.tsx';
import { RadioChoice } from '../../components/ChoiceBoxes.tsx';
import { FactorFields } from './FactorFields.tsx';
import { blankFactor, enrolmentOf, problemOf } from './factor-drafts.ts';
import type { FactorDraft } from './factor-drafts.ts';
import { DialogButtons, SubmitButton } from '../../components/Dialog.tsx';
import { ReauthField, useReauth } from './ReauthField.tsx';

// A new unlock slot: one factor (a passphrase, a device), several at once (all of them open
// it), or a quorum (any k of them). The secrets typed become bytes only for the call and are
// cleared from the form after it, whatever it answered.

/** The same factors with their secrets emptied, so a retry starts from blank fields. */
function withoutSecrets(factors: FactorDraft[]): FactorDraft[] {
  return factors.map((factor) => {
    switch (factor.kind) {
      case 'passphrase':
        return { ...factor, passphrase: '', again: '' };
      case 'tpm2':
        return { ...factor, pin: '', again: '' };
      case 'pkcs11':
      case 'fido2':
        return { ...factor, pin: '' };
      default:
        return factor;
    }
  });
}

export function AddSlotDialog({
  header,
  close,
  onAdded,
}: {
  header: VaultHeader;
  close: () => void;
  onAdded: (added: SlotAdded) => void;
}) {
  const [factors, setFactors] = useState<FactorDraft[]>([blankFactor('passphrase')]);
  const [quorum, setQuorum] = useState(false);
  const [threshold, setThreshold] = useState(2);
  const [name, setName] = useState('');
  const reauth = useReauth();
  const [tried, setTried] = useState(false);
  const calibration = useCalibration();
  const tokens = useQuery(() => ask(keywarden().tokens.list({})));
  useEvent('tokens:changed', tokens.reload);

  const several = factors.length > 1;
  const problems = factors.map(problemOf);
  const lonePassphrase = factors.length === 1 && factors[0]?.kind === 'passphrase';

  const add = useAction(async () =>
    reauth.send((proof, secrets) =>
      keywarden().vault.addSlot({
        factors: factors.map((factor) => enrolmentOf(factor, secrets)),
        ...(several && quorum ? { threshold: Math.min(threshold, factors.length) } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...proof,
      }),
    ),
  );

  const change = (index: number, draft: FactorDraft) =>
    setFactors((all) => all.map((factor, i) => (i === index ? draft : factor)));

  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (add.busy) return;
        setTried(true);
        if (problems.some((problem) => problem !== null)) return;
        calibration.reset();
        void add.run().then((added) => {
          setFactors(withoutSecrets);
          reauth.clear();
          if (added) {
            onAdded(added);
            close();
          }
        });
      }}
    >
      <p>
        Each slot opens the vault on its own. A slot of several factors needs all of them at once,
        or any number of them you choose (a quorum).
      </p>
      {factors.map((draft, index) => (
        <FactorFields
          key={index}
          index={index}
          draft={draft}
          onChange={(changed) => change(index, changed)}
          onRemove={
            several ? () => setFactors((all) => all.filter((_, i) => i !== index)) : undefined
          }
          tokens={tokens.data?.tokens ?? []}
          problem={tried ? (problems[index] ?? null) : null}
        />
      ))}
      {factors.length < 16 && (
        <Button
          className="button"
          onPress={() => setFactors((all) => [...all, blankFactor('tpm2')])}
        >
          Add another factor
        </Button>
      )}
      {several && (
        <RadioGroup
          className="field"
          value={quorum ? 'quorum' : 'all'}
          onChange={(value) => setQuorum(value === 'quorum')}
        >
          <Label className="kw-group-label">How the factors open the slot</Label>
          <div className="kw-choices">
            <RadioChoice value="all" hint="A combined slot: every factor, each time.">
              All {factors.length} together
            </RadioChoice>
            <RadioChoice value="quorum" hint="A quorum slot: any k of the factors.">
              A quorum of them
            </RadioChoice>
          </div>
        </RadioGroup>
      )}
      {several && quorum && (
        <NumberField
          className="field"
          value={Math.min(threshold, factors.length)}
          onChange={(value) => setThreshold(Number.isNaN(value) ? 2 : value)}
          minValue={2}
          maxValue={factors.length}
          step={1}
          formatOptions={{ maximumFractionDigits: 0 }}
        >
          <Label>How many of the {factors.length} factors open the slot</Label>
          <Group className="kw-number-group">
            <Input />
            <Button slot="decrement" className="button">
              −
            </Button>
            <Button slot="increment" className="button">
              +
            </Button>
          </Group>
        </NumberField>
      )}
      <TextField className="field" value={name} onChange={setName} maxLength={64}>
        <Label>Name of the slot (optional)</Label>
        <Input spellCheck={false} />
        <Text slot="description" className="hint">
          Such as &ldquo;backup passphrase&rdquo; or &ldquo;officers&rsquo; quorum&rdquo;.
        </Text>
      </TextField>
      <ReauthField header={header} reauth={reauth} />
      {add.busy &&
        (lonePassphrase ? (
          <CalibrationProgress heard={calibration.heard} />
        ) : (
          <Progress label="Enrolling the factors: touch a security key if it blinks…" />
        ))}
      <TouchPrompt busy={add.busy} />
      <ErrorNote error={add.error} />
      <DialogButtons close={close}>
        <SubmitButton pending={add.busy}>Add the slot</SubmitButton>
      </DialogButtons>
    </Form>
  );
}
