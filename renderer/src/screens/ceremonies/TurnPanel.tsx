import { useRef, useState } from 'react';
import {
  Button,
  Checkbox,
  FileTrigger,
  Form,
  Input,
  Label,
  Text,
  TextArea,
  TextField,
} from 'react-aria-components';
import type {
  CeremonyStepView,
  CeremonyView,
} from '../../../../electron/shared/ceremony-run-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { roleWord } from './ceremony-words.ts';
import { hexBytes, turnVerb, workingWords } from './turn-needs.ts';
import type { TurnNeed } from './turn-needs.ts';

// One person's turn at the step due: the step's text in full, what they bring at an action
// (a share, a component, a PIN), their proof of presence, and the button that records it.
// Everything typed here is a secret: it becomes bytes only for the call, the bytes are zeroed
// when the call returns, and every field is emptied after each try, right or wrong.

interface ComponentCheck {
  kcv: string;
  kcvWords: string[];
  legacyKcv?: string;
}

/** The hand-over between two people: the screen shows nothing of the last one's turn. */
export function Handover({
  turn,
  name,
  role,
  stepTitle,
  onContinue,
}: {
  /** The turn's step and person ("split/Alice"), for tests to follow the turns by. */
  turn: string;
  name: string;
  role: string;
  stepTitle: string;
  onContinue: () => void;
}) {
  return (
    <section className="card cer-handover" aria-labelledby="handover-title" data-turn={turn}>
      <h2 id="handover-title">Hand the screen to {name}</h2>
      <p>
        {name} ({role}) acts next, at “{stepTitle}”. Only {name} should see the screen until they
        are done.
      </p>
      <Button className="button button-primary" onPress={onContinue} autoFocus>
        Continue as {name}
      </Button>
    </section>
  );
}

export function TurnPanel({
  view,
  step,
  by,
  need,
  onDone,
  onFailed,
}: {
  view: CeremonyView;
  step: CeremonyStepView;
  by: string;
  need: TurnNeed | null;
  onDone: (view: CeremonyView) => void;
  onFailed: (error: ErrorInfo) => void;
}) {
  const participant = view.participants.find((p) => p.name === by);
  const byToken = participant?.presence === 'token';
  const [proof, setProof] = useState('');
  const [share, setShare] = useState('');
  const [shareFile, setShareFile] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const [component, setComponent] = useState('');
  const [check, setCheck] = useState<ComponentCheck | null>(null);
  const [matches, setMatches] = useState(false);
  const [pin, setPin] = useState('');
  const [pinAgain, setPinAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [checkError, setCheckError] = useState<ErrorInfo | null>(null);
  const proofField = useRef<HTMLInputElement>(null);
  const number = view.steps.findIndex((s) => s.id === step.id) + 1;

  const clear = () => {
    setProof('');
    setShare('');
    shareFile?.bytes.fill(0);
    setShareFile(null);
    setComponent('');
    setCheck(null);
    setMatches(false);
    setPin('');
    setPinAgain('');
  };

  const pinsDiffer =
    need?.kind === 'pin' && need.confirm && pinAgain.length > 0 && pin !== pinAgain;
  const ready =
    proof.length > 0 &&
    (need?.kind !== 'share' || shareFile !== null || share.trim().length > 0) &&
    (need?.kind !== 'component' || (check !== null && matches)) &&
    (need?.kind !== 'pin' || (pin.length > 0 && (!need.confirm || pin === pinAgain)));

  const checkComponent = async () => {
    setCheckError(null);
    const bytes = hexBytes(component);
    if (!bytes) {
      setCheckError({
        code: 'BAD_REQUEST',
        message: 'A component is hex digits, two for each byte (spaces between groups are fine).',
      });
      return;
    }
    try {
      setCheck(await ask(keywarden().ceremony.checkComponent({ value: bytes })));
    } catch (caught) {
      setCheckError(errorInfo(caught));
    } finally {
      bytes.fill(0);
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
      let input: Record<string, Uint8Array> | undefined;
      if (need?.kind === 'share') {
        if (shareFile) made.push(shareFile.bytes);
        input = { share: shareFile ? shareFile.bytes : bytes(share) };
      } else if (need?.kind === 'component') {
        const value = hexBytes(component);
        if (value) made.push(value);
        input = value ? { component: value } : {};
      } else if (need?.kind === 'pin') {
        input = { [need.field]: bytes(pin) };
      }
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
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready && !busy) void take();
        }}
      >
        {need?.kind === 'share' && (
          <div className="cer-share">
            <TextField
              className="field field-wide"
              value={share}
              onChange={setShare}
              isDisabled={shareFile !== null}
            >
              <Label>Your share</Label>
              <TextArea
                className="cer-share-text mono"
                rows={7}
                spellCheck={false}
                autoComplete="off"
                autoFocus
              />
              <Text slot="description" className="hint">
                Paste the share file’s contents, or type the block from its sheet, from BEGIN to
                END. It is cleared from the screen as soon as you submit.
              </Text>
            </TextField>
            <div className="cer-share-file">
              <FileTrigger
                onSelect={(files) => {
                  const file = files?.[0];
                  if (!file) return;
                  void file.arrayBuffer().then((buffer) => {
                    shareFile?.bytes.fill(0);
                    setShare('');
                    setShareFile({ name: file.name, bytes: new Uint8Array(buffer) });
                  });
                }}
              >
                <Button className="button">Read the share from a file…</Button>
              </FileTrigger>
              {shareFile && (
                <span>
                  {shareFile.name} read.{' '}
                  <Button
                    className="button button-quiet"
                    onPress={() => {
                      shareFile.bytes.fill(0);
                      setShareFile(null);
                    }}
                  >
                    Forget it
                  </Button>
                </span>
              )}
            </div>
          </div>
        )}
        {need?.kind === 'component' && (
          <>
            <TextField
              className="field field-wide"
              type="password"
              value={component}
              onChange={(value) => {
                setComponent(value);
                setCheck(null);
                setMatches(false);
              }}
            >
              <Label>Your component (hex, not shown)</Label>
              <Input className="mono" autoComplete="off" spellCheck={false} autoFocus />
            </TextField>
            <Button
              className="button"
              isDisabled={component.length === 0}
              onPress={() => void checkComponent()}
            >
              Show its check value
            </Button>
            <ErrorNote error={checkError} />
            {check && (
              <div className="cer-check" aria-live="polite">
                <p>
                  Check value: <code>{check.kcv}</code> ({check.kcvWords.join(' ')})
                  {check.legacyKcv && (
                    <>
                      ; legacy form <code>{check.legacyKcv}</code>
                    </>
                  )}
                </p>
                <Checkbox className="cer-checkbox" isSelected={matches} onChange={setMatches}>
                  <span className="cer-checkbox-box" aria-hidden="true" />
                  It matches the check value on my component form
                </Checkbox>
              </div>
            )}
          </>
        )}
        {need?.kind === 'pin' && (
          <>
            <TextField className="field" type="password" value={pin} onChange={setPin}>
              <Label>{need.label}</Label>
              <Input autoComplete="off" autoFocus />
            </TextField>
            {need.confirm && (
              <TextField
                className="field"
                type="password"
                value={pinAgain}
                onChange={setPinAgain}
                isInvalid={pinsDiffer}
              >
                <Label>The same PIN again</Label>
                <Input autoComplete="off" />
                {pinsDiffer && (
                  <Text slot="errorMessage" className="field-error">
                    The two entries differ.
                  </Text>
                )}
              </TextField>
            )}
          </>
        )}
        <TextField className="field" type="password" value={proof} onChange={setProof}>
          <Label>
            {byToken
              ? `${by}’s token PIN (the token signs your presence)`
              : `${by}’s presence passphrase`}
          </Label>
          <Input ref={proofField} autoComplete="off" autoFocus={need === null} />
        </TextField>
        {busy && <Progress label={workingWords(step)} />}
        <Button type="submit" className="button button-primary" isDisabled={!ready || busy}>
          {turnVerb(step, need)}
        </Button>
      </Form>
    </section>
  );
}
