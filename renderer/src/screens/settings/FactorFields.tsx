import { Button, Input, Label, RadioGroup, Text, TextField } from 'react-aria-components';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { CheckboxChoice, RadioChoice } from '../../components/ChoiceBoxes.tsx';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import { NewSecretFields } from '../../components/NewSecretFields.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import { FACTOR_KINDS, blankFactor } from './factor-drafts.ts';
import type { FactorDraft, FactorKind } from './factor-drafts.ts';

// One factor of a new unlock slot: its kind, and what that kind needs (a passphrase typed
// twice, a PIN, a token and key, a YubiKey slot). Nothing here is sent; see factor-drafts.ts.

const KIND_CHOICES = FACTOR_KINDS.map(({ kind, label }) => ({ id: kind, label }));

function KindSelect({ kind, onKind }: { kind: FactorKind; onKind: (kind: FactorKind) => void }) {
  return (
    <ChoiceField
      label="Kind of factor"
      value={kind}
      options={KIND_CHOICES}
      onChange={onKind}
      description={FACTOR_KINDS.find((k) => k.kind === kind)?.hint}
    />
  );
}

function TokenSelect({
  tokens,
  serial,
  onSerial,
}: {
  tokens: readonly TokenView[];
  serial: string;
  onSerial: (serial: string) => void;
}) {
  if (tokens.length === 0) {
    return (
      <p className="hint">
        No token is connected. Insert the smartcard or token (the list follows it), or choose
        another kind of factor.
      </p>
    );
  }
  return (
    <ChoiceField
      label="Token"
      value={serial || null}
      options={tokens.map((token) => ({
        id: token.serial,
        label: `${token.label} (${token.serial})`,
      }))}
      onChange={onSerial}
      placeholder="Choose a token"
    />
  );
}

/** The fields of one factor, inside a group named after its place in the slot. */
export function FactorFields({
  index,
  draft,
  onChange,
  onRemove,
  tokens,
  problem,
}: {
  index: number;
  draft: FactorDraft;
  onChange: (draft: FactorDraft) => void;
  /** Absent when this is the only factor. */
  onRemove?: (() => void) | undefined;
  tokens: readonly TokenView[];
  /** What is still wrong with it, shown after a try to add the slot. */
  problem: string | null;
}) {
  const kindLabel = FACTOR_KINDS.find((k) => k.kind === draft.kind)?.label ?? draft.kind;
  return (
    <fieldset className="settings-factor">
      <legend>
        Factor {index + 1}: {kindLabel}
      </legend>
      <KindSelect kind={draft.kind} onKind={(kind) => onChange(blankFactor(kind))} />
      {draft.kind === 'passphrase' && (
        <NewSecretFields
          entries={{
            value: draft.passphrase,
            again: draft.again,
            onChange: (passphrase) => onChange({ ...draft, passphrase }),
            onAgain: (again) => onChange({ ...draft, again }),
          }}
          kind="new"
          label="New passphrase"
          againLabel="The same passphrase again"
          description="At least 12 characters; several words are easiest to remember."
        />
      )}
      {draft.kind === 'keychain' && (
        <p className="hint">
          Nothing to type: this user&apos;s OS keychain keeps the secret, and opens the vault only
          for this user on this machine.
        </p>
      )}
      {draft.kind === 'tpm2' && (
        <>
          <CheckboxChoice
            isSelected={draft.pcr7}
            onChange={(pcr7) => onChange({ ...draft, pcr7 })}
            hint="The slot stops opening if the boot chain changes (firmware, bootloader)."
          >
            Bind to the Secure Boot state (PCR 7)
          </CheckboxChoice>
          <NewSecretFields
            entries={{
              value: draft.pin,
              again: draft.again,
              // The second field goes with an emptied PIN; so does what was typed in it.
              onChange: (pin) => onChange({ ...draft, pin, ...(pin ? {} : { again: '' }) }),
              onAgain: (again) => onChange({ ...draft, again }),
            }}
            kind="new"
            label="TPM PIN (optional)"
            againLabel="The same PIN again"
            description="Leave empty for a slot this machine alone opens."
            askAgain={draft.pin.length > 0}
          />
        </>
      )}
      {draft.kind === 'pkcs11' && (
        <>
          <TokenSelect
            tokens={tokens}
            serial={draft.serial}
            onSerial={(serial) => onChange({ ...draft, serial })}
          />
          <TextField
            className="field"
            value={draft.keyId}
            onChange={(keyId) => onChange({ ...draft, keyId: keyId.trim() })}
          >
            <Label>Key id on the token (CKA_ID, hex)</Label>
            <Input spellCheck={false} className="mono" />
            <Text slot="description" className="hint">
              An RSA or EC key pair on the token; the Tokens screen lists them.
            </Text>
          </TextField>
          <SecretField
            kind="new"
            label="Token PIN"
            value={draft.pin}
            onChange={(pin) => onChange({ ...draft, pin })}
          />
        </>
      )}
      {draft.kind === 'yubikey-hmac' && (
        <RadioGroup
          className="field"
          value={String(draft.slot)}
          onChange={(slot) => onChange({ ...draft, slot: slot === '1' ? 1 : 2 })}
        >
          <Label className="kw-group-label">YubiKey slot</Label>
          <div className="kw-choices kw-choices-row">
            <RadioChoice value="1">Slot 1</RadioChoice>
            <RadioChoice value="2">Slot 2</RadioChoice>
          </div>
          <Text slot="description" className="hint">
            The slot programmed for HMAC-SHA1 challenge-response (usually 2). Touch the key if it
            blinks.
          </Text>
        </RadioGroup>
      )}
      {draft.kind === 'fido2' && (
        <SecretField
          kind="new"
          label="Security key PIN (if it has one)"
          value={draft.pin}
          onChange={(pin) => onChange({ ...draft, pin })}
          description="Touch the key when it blinks."
        />
      )}
      {problem && <p className="field-error">{problem}</p>}
      {onRemove && (
        <Button className="button button-quiet" onPress={onRemove}>
          Remove factor {index + 1}
        </Button>
      )}
    </fieldset>
  );
}
