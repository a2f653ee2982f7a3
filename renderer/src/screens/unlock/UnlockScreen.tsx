import { useState } from 'react';
import {
  Button,
  Form,
  Input,
  Label,
  Radio,
  RadioGroup,
  Text,
  TextField,
} from 'react-aria-components';
import type { UnlockFactorRequest } from '../../../../electron/shared/contract.ts';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { ask, keywarden, useAction, useQuery } from '../../api.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { TouchPrompt } from '../../components/TouchPrompt.tsx';
import { CreateVault } from './CreateVault.tsx';
import { isGiven, needsOf, slotTitle } from './slot-needs.ts';
import type { Need } from './slot-needs.ts';

// The first screen: the vault the settings name, its unlock slots and what each needs. The
// secrets typed here become bytes only for the call that uses them, and are zeroed after.

/** The text a person typed for each need, by its place in the slot's list. */
type Answers = Record<number, string>;

/**
 * Builds the factors of an unlock request; the byte arrays it returns are the caller's to zero.
 * `acceptFinalTry`: the person consented to spend a token PIN's final try.
 */
function factorsOf(
  needs: Need[],
  answers: Answers,
  acceptFinalTry: boolean,
): UnlockFactorRequest[] {
  const bytes = (text: string | undefined) =>
    new TextEncoder().encode((text ?? '').normalize('NFC'));
  return needs.flatMap((need, i): UnlockFactorRequest[] => {
    const typed = answers[i];
    if (!isGiven(need, typed)) return [];
    switch (need.kind) {
      case 'passphrase':
        return [{ kind: 'passphrase', passphrase: bytes(typed) }];
      case 'recovery-key':
        return [{ kind: 'recovery-key', recoveryKey: bytes(typed) }];
      case 'keychain':
        return [{ kind: 'keychain' }];
      case 'tpm2':
        return [need.pin && typed ? { kind: 'tpm2', pin: bytes(typed) } : { kind: 'tpm2' }];
      case 'pkcs11':
        return [
          {
            kind: 'pkcs11',
            serial: need.serial,
            pin: bytes(typed),
            ...(acceptFinalTry ? { acceptFinalTry: true } : {}),
          },
        ];
      case 'yubikey-hmac':
        return [{ kind: 'yubikey-hmac' }];
      case 'fido2':
        return [need.pin && typed ? { kind: 'fido2', pin: bytes(typed) } : { kind: 'fido2' }];
    }
  });
}

function zero(factors: UnlockFactorRequest[]): void {
  for (const factor of factors) {
    for (const value of Object.values(factor)) if (value instanceof Uint8Array) value.fill(0);
  }
}

/** The label and kind of input for one need; null when it needs no typing. */
function inputFor(need: Need): { label: string; secret: boolean } | null {
  switch (need.kind) {
    case 'passphrase':
      return { label: 'Passphrase', secret: true };
    case 'recovery-key':
      return { label: 'Recovery key', secret: true };
    case 'pkcs11':
      return {
        label: `PIN of token ${need.serial}${need.label ? ` (${need.label})` : ''}`,
        secret: true,
      };
    case 'tpm2':
      return need.pin ? { label: 'TPM PIN', secret: true } : null;
    case 'fido2':
      return need.pin ? { label: 'Security key PIN', secret: true } : null;
    default:
      return null;
  }
}

/** What a factor needing no typing asks the person to have ready. */
function readyLine(need: Need): string | null {
  switch (need.kind) {
    case 'keychain':
      return 'The OS keychain opens this slot for this user.';
    case 'tpm2':
      return need.pin ? null : "This machine's TPM opens this slot.";
    case 'yubikey-hmac':
      return `Insert the YubiKey${need.slot ? ` (slot ${need.slot})` : ''}; touch it if it blinks.`;
    case 'fido2':
      return 'Insert the security key and touch it when it blinks.';
    default:
      return null;
  }
}

function SlotForm({
  path,
  slot,
  takeFocus,
  onUnlocked,
}: {
  path: string;
  slot: VaultHeader['slots'][number];
  /** Whether its first field takes the focus when it appears. */
  takeFocus: boolean;
  onUnlocked: (header: VaultHeader) => void;
}) {
  const needs = needsOf(slot);
  const [answers, setAnswers] = useState<Answers>({});
  // A token PIN on its final try is refused before it reaches the token (PIN_FINAL_TRY); the
  // person may then consent to spend that try, for the next attempt only.
  const [acceptFinalTry, setAcceptFinalTry] = useState(false);
  const unlock = useAction(async () => {
    const factors = factorsOf(needs, answers, acceptFinalTry);
    try {
      return await ask(keywarden().vault.unlock({ path, factors, slotId: slot.slotId }));
    } finally {
      zero(factors);
    }
  });
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void unlock.run().then((header) => {
          setAnswers({});
          setAcceptFinalTry(false);
          if (header) onUnlocked(header);
        });
      }}
    >
      {slot.kind === 'quorum' && (
        <p>Any {slot.threshold} of these open the vault: give those you have.</p>
      )}
      {needs.map((need, i) => {
        const input = inputFor(need);
        const ready = readyLine(need);
        return (
          <div key={i}>
            {input && (
              <TextField
                className="field"
                type={input.secret ? 'password' : 'text'}
                value={answers[i] ?? ''}
                onChange={(value) => setAnswers((all) => ({ ...all, [i]: value }))}
                autoFocus={takeFocus && i === 0}
              >
                <Label>{input.label}</Label>
                <Input autoComplete="off" spellCheck={false} />
              </TextField>
            )}
            {ready && <Text className="hint">{ready}</Text>}
          </div>
        );
      })}
      {slot.kind === 'quorum' && (
        // How far the quorum is, counted as the request will offer the factors.
        <p role="status" className="hint">
          {needs.filter((need, i) => isGiven(need, answers[i])).length} of {slot.threshold} factors
          given.
        </p>
      )}
      {unlock.busy && <Progress label="Deriving the key and opening the vault…" />}
      <TouchPrompt busy={unlock.busy} />
      <ErrorNote error={unlock.error} />
      {unlock.error?.code === 'PIN_FINAL_TRY' && (
        <CheckboxChoice
          isSelected={acceptFinalTry}
          onChange={setAcceptFinalTry}
          hint="If the PIN is wrong, the token locks it until the security officer unblocks it."
        >
          I am sure of the PIN: use its final try.
        </CheckboxChoice>
      )}
      <Button type="submit" className="button button-primary" isDisabled={unlock.busy}>
        Unlock
      </Button>
    </Form>
  );
}

function ChooseVault({ current, onChosen }: { current: string; onChosen: () => void }) {
  const [path, setPath] = useState(current);
  const choose = useAction(async () => ask(keywarden().settings.set({ vaultPath: path })));
  return (
    <Form
      className="form form-inline"
      onSubmit={(event) => {
        event.preventDefault();
        void choose.run().then((done) => done && onChosen());
      }}
    >
      <TextField className="field field-wide" value={path} onChange={setPath}>
        <Label>Vault file</Label>
        <Input spellCheck={false} />
      </TextField>
      <Button type="submit" className="button" isDisabled={choose.busy || path === current}>
        Open this vault
      </Button>
      <ErrorNote error={choose.error} />
    </Form>
  );
}

export function UnlockScreen({ onUnlocked }: { onUnlocked: (header: VaultHeader) => void }) {
  const settings = useQuery(() => ask(keywarden().settings.show({})));
  const path = settings.data?.vaultPath ?? null;
  const header = useQuery(
    async () => (path === null ? null : ask(keywarden().vault.readHeader({ path }))),
    [path],
  );
  const [slotId, setSlotId] = useState<number | null>(null);
  const slots = header.data?.slots ?? [];
  const slot = slots.find((s) => s.slotId === slotId) ?? slots[0];

  return (
    <main className="unlock" id="main">
      <PageHeader title="Unlock Keywarden" />
      {settings.error && <ErrorNote error={settings.error} />}
      {path !== null && <ChooseVault current={path} onChosen={settings.reload} />}
      {(settings.loading || header.loading) && <Progress label="Reading the vault…" />}
      {header.error?.code === 'VAULT_NOT_FOUND' && path !== null && (
        <CreateVault path={path} onCreated={onUnlocked} />
      )}
      {header.error && header.error.code !== 'VAULT_NOT_FOUND' && (
        <ErrorNote error={header.error} />
      )}
      {header.data && slot && (
        <section aria-labelledby="slots-title" className="card">
          <h2 id="slots-title">Unlock with</h2>
          {slots.length > 1 && (
            <RadioGroup
              className="slot-choice"
              aria-label="Unlock slot"
              value={String(slot.slotId)}
              onChange={(value) => setSlotId(Number(value))}
            >
              {slots.map((s) => (
                <Radio key={s.slotId} value={String(s.slotId)} className="slot-radio">
                  <span className="slot-title">{slotTitle(s)}</span>
                  {s.factors && <span className="slot-factors">{s.factors.join(' · ')}</span>}
                </Radio>
              ))}
            </RadioGroup>
          )}
          {/* The first slot's form takes the focus as the screen opens. One chosen later leaves it
              on the slot list, so the arrow keys go on moving through the slots. */}
          <SlotForm
            key={slot.slotId}
            path={header.data.path}
            slot={slot}
            takeFocus={slotId === null}
            onUnlocked={onUnlocked}
          />
        </section>
      )}
    </main>
  );
}
