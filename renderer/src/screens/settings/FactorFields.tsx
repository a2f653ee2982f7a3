import {
  Button,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  RadioGroup,
  Select,
  SelectValue,
  Text,
  TextField,
} from 'react-aria-components';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { CheckboxChoice, RadioChoice } from './choices.tsx';
import { FACTOR_KINDS, blankFactor } from './factor-drafts.ts';
import type { FactorDraft, FactorKind } from './factor-drafts.ts';

// One factor of a new unlock slot: its kind, and what that kind needs (a passphrase typed
// twice, a PIN, a token and key, a YubiKey slot). Nothing here is sent; see factor-drafts.ts.

function SecretField({
  label,
  value,
  onChange,
  hint,
  error,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string | null;
}) {
  return (
    <TextField
      className="field"
      type="password"
      value={value}
      onChange={onChange}
      isInvalid={Boolean(error)}
    >
      <Label>{label}</Label>
      <Input autoComplete="new-password" spellCheck={false} />
      {hint && (
        <Text slot="description" className="hint">
          {hint}
        </Text>
      )}
      {error && (
        <Text slot="errorMessage" className="field-error">
          {error}
        </Text>
      )}
    </TextField>
  );
}

function KindSelect({ kind, onKind }: { kind: FactorKind; onKind: (kind: FactorKind) => void }) {
  return (
    <Select
      className="field kw-select"
      value={kind}
      onChange={(key) => {
        const chosen = FACTOR_KINDS.find((k) => k.kind === key);
        if (chosen) onKind(chosen.kind);
      }}
    >
      <Label>Kind of factor</Label>
      <Button className="kw-select-button">
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      <Popover className="kw-popover">
        <ListBox className="kw-listbox" items={FACTOR_KINDS}>
          {(item) => (
            <ListBoxItem id={item.kind} className="kw-option" textValue={item.label}>
              {item.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
      <Text slot="description" className="hint">
        {FACTOR_KINDS.find((k) => k.kind === kind)?.hint}
      </Text>
    </Select>
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
    <Select
      className="field kw-select"
      value={serial || null}
      onChange={(key) => onSerial(typeof key === 'string' ? key : '')}
      placeholder="Choose a token"
    >
      <Label>Token</Label>
      <Button className="kw-select-button">
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      <Popover className="kw-popover">
        <ListBox
          className="kw-listbox"
          items={tokens.map((token) => ({ id: token.serial, token }))}
        >
          {({ id, token }) => (
            <ListBoxItem id={id} className="kw-option" textValue={`${token.label} (${id})`}>
              {token.label} ({id})
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
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
        <>
          <SecretField
            label="New passphrase"
            value={draft.passphrase}
            onChange={(passphrase) => onChange({ ...draft, passphrase })}
            hint="At least 12 characters; several words are easiest to remember."
          />
          <SecretField
            label="The same passphrase again"
            value={draft.again}
            onChange={(again) => onChange({ ...draft, again })}
            error={
              draft.again && draft.again !== draft.passphrase ? 'The two entries differ.' : null
            }
          />
        </>
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
          <SecretField
            label="TPM PIN (optional)"
            value={draft.pin}
            onChange={(pin) => onChange({ ...draft, pin, ...(pin ? {} : { again: '' }) })}
            hint="Leave empty for a slot this machine alone opens."
          />
          {draft.pin && (
            <SecretField
              label="The same PIN again"
              value={draft.again}
              onChange={(again) => onChange({ ...draft, again })}
              error={draft.again && draft.again !== draft.pin ? 'The two entries differ.' : null}
            />
          )}
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
          label="Security key PIN (if it has one)"
          value={draft.pin}
          onChange={(pin) => onChange({ ...draft, pin })}
          hint="Touch the key when it blinks."
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
