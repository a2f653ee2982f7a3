import { useEffect, useRef, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import type {
  CeremonyStepView,
  CeremonyView,
} from '../../../../electron/shared/ceremony-run-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import { NewSecretFields, useNewSecret } from '../../components/NewSecretFields.tsx';
import { Progress } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import { ComponentInput, ShareInput } from './TurnInputs.tsx';
import type { ShareFile } from './TurnInputs.tsx';
import { roleWord } from './ceremony-words.ts';
import { actionNote, hexBytes, turnVerb, workingWords } from './turn-needs.ts';
import type { TurnNeed } from './turn-needs.ts';

// One person's turn at the step due: the step's text in full, what they bring at an action
// (a share, a component, a PIN), their proof of presence, and the button that records it.
// Everything typed here is a secret: it becomes bytes only for the call, the bytes are zeroed
// when the call returns, and every field is emptied after each try, right or wrong. The
// wizard shows what went wrong (it outlives this panel when the turn passes to someone else).

export function TurnPanel({
  view,
  step,
  by,
  need,
  onDone,
  onFailed,
  onHandBack,
}: {
  view: CeremonyView;
  step: CeremonyStepView;
  by: string;
  need: TurnNeed | null;
  onDone: (view: CeremonyView) => void;
  onFailed: (error: ErrorInfo) => void;
  /** The person leaves without acting (someone else has the screen, or they are not ready). */
  onHandBack: () => void;
}) {
  const participant = view.participants.find((p) => p.name === by);
  const byToken = participant?.presence === 'token';
  const [proof, setProof] = useState('');
  const [share, setShare] = useState('');
  const [shareFile, setShareFile] = useState<ShareFile | null>(null);
  const [component, setComponent] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const pin = useNewSecret();
  const [busy, setBusy] = useState(false);
  const proofField = useRef<HTMLInputElement>(null);
  // A share read from its file is zeroed when the panel goes, however it goes (a route change).
  const heldFile = useRef<ShareFile | null>(null);
  heldFile.current = shareFile;
  useEffect(
    () => () => {
      heldFile.current?.bytes.fill(0);
    },
    [],
  );
  const number = view.steps.findIndex((s) => s.id === step.id) + 1;
  const note = actionNote(view, step);

  const clear = () => {
    setProof('');
    setShare('');
    shareFile?.bytes.fill(0);
    setShareFile(null);
    setComponent('');
    setConfirmed(false);
    pin.clear();
  };

  const ready =
    proof.length > 0 &&
    (need?.kind !== 'share' || shareFile !== null || share.trim().length > 0) &&
    (need?.kind !== 'component' || confirmed) &&
    (need?.kind !== 'pin' || (need.confirm ? pin.ready : pin.value.length > 0));

  /** What the person brings, as bytes; each array made is pushed on `made` to be zeroed. */
  const inputOf = (
    bytes: (text: string) => Uint8Array,
    made: Uint8Array[],
  ): Record<string, Uint8Array> | undefined => {
    switch (need?.kind) {
      case 'share':
        if (!shareFile) return { share: bytes(share) };
        made.push(shareFile.bytes);
        return { share: shareFile.bytes };
      case 'component': {
        const value = hexBytes(component);
        if (!value) return {};
        made.push(value);
        return { component: value };
      }
      case 'pin':
        return { [need.field]: bytes(pin.value) };
      default:
        return undefined;
    }
  };

  const take = async () => {
    // Every byte array made here is zeroed once the call returns, whatever it returned.
    const made: Uint8Array[] = [];
    const bytes = (text: string) => {
      const b = new TextEncoder().encode(text.normalize('NFC'));
      made.push(b);
      return b;
    };
    setBusy(true);
    try {
      const presence = byToken ? { pin: bytes(proof) } : { passphrase: bytes(proof) };
      const input = inputOf(bytes, made);
      const request = { id: view.id, step: step.id, by, ...presence, ...(input ? { input } : {}) };
      const next = await ask(keywarden().ceremony.advance(request));
      clear();
      onDone(next);
    } catch (caught) {
      clear();
      onFailed(errorInfo(caught));
      proofField.current?.focus();
    } finally {
      for (const b of made) b.fill(0);
      setBusy(false);
    }
  };

  return (
    <section className="card cer-turn" aria-labelledby="turn-title" data-turn={`${step.id}/${by}`}>
      <h2 id="turn-title">
        It is {by}’s turn ({participant ? roleWord(participant.role) : 'participant'})
      </h2>
      <p className="hint">
        Step {number} of {view.steps.length}: {step.title}
      </p>
      <blockquote className="cer-step-text">{step.text}</blockquote>
      {note && <p>{note}</p>}
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready && !busy) void take();
        }}
      >
        {need?.kind === 'share' && (
          <ShareInput text={share} onText={setShare} file={shareFile} onFile={setShareFile} />
        )}
        {need?.kind === 'component' && (
          <ComponentInput
            value={component}
            onChange={setComponent}
            confirmed={confirmed}
            onConfirmed={setConfirmed}
          />
        )}
        {need?.kind === 'pin' && (
          <NewSecretFields
            entries={pin}
            kind="pin"
            label={need.label}
            againLabel="The same PIN again"
            askAgain={need.confirm}
            autoFocus
          />
        )}
        {/* This person's presence proof: never remembered or suggested by the browser. */}
        <SecretField
          label={
            byToken
              ? `${by}’s token PIN (the token signs your presence)`
              : `${by}’s presence passphrase`
          }
          kind="pin"
          value={proof}
          onChange={setProof}
          inputRef={proofField}
          autoFocus={need === null}
        />
        {busy && <Progress label={workingWords(step)} />}
        <div className="cer-buttons">
          <Button type="submit" className="button button-primary" isDisabled={!ready || busy}>
            {turnVerb(step, need)}
          </Button>
          <Button
            className="button button-quiet"
            isDisabled={busy}
            onPress={() => {
              clear();
              onHandBack();
            }}
          >
            Not {by}? Hand the screen back
          </Button>
        </div>
      </Form>
    </section>
  );
}
