import { useState } from 'react';
import type { ReactNode } from 'react';
import { Form, Input, Label, NumberField, Text, TextField } from 'react-aria-components';
import type { KeyState, KeyView, PersonView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction, useEvent } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import { DialogButtons, ModalDialog, SubmitButton } from '../../components/Dialog.tsx';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { DestroyDialog } from './DestroyDialog.tsx';
import { CsrDialog, ExportPublicDialog } from './ExportDialogs.tsx';
import { STATE_WORDS } from './key-words.ts';

// The actions a key's state and place allow now, as keys:show lists them: each opens a
// dialog that says what it will do, asks for what it needs (a reason, people, a PIN), and on
// success reports the result to the screen, which reloads the key.

/** What an action reports to the screen once done. */
export type Done = (result: ReactNode) => void;

interface TransitionWords {
  label: string;
  consequence: string;
  /** Irreversible: the person ticks a confirmation first. */
  final: boolean;
}

function transitionWords(from: KeyState, to: KeyState): TransitionWords {
  switch (to) {
    case 'active':
      return from === 'pre-activation'
        ? {
            label: 'Activate',
            consequence:
              'The key comes into use now, and its crypto-period is counted again from today.',
            final: false,
          }
        : {
            label: 'Reactivate',
            consequence:
              'The key signs, encrypts and wraps again, for what is left of its crypto-period.',
            final: false,
          };
    case 'suspended':
      return {
        label: 'Suspend',
        consequence:
          'The key stops signing, encrypting and wrapping until it is reactivated; it still verifies, decrypts and unwraps. A suspension can be undone.',
        final: false,
      };
    case 'deactivated':
      return {
        label: 'Deactivate',
        consequence:
          'The key stops protecting anything new, for good: it only verifies, decrypts and unwraps what it protected. It cannot be reactivated; its destruction can be scheduled afterwards.',
        final: true,
      };
    case 'compromised':
      return {
        label: 'Mark compromised',
        consequence:
          'Records that the key is known or suspected to be disclosed. It stops all use at once, for good: rotate it to give its users a successor, then destroy it. This cannot be undone.',
        final: true,
      };
    default:
      return { label: `Make ${STATE_WORDS[to]}`, consequence: '', final: true };
  }
}

function ReasonField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <TextField className="field field-wide" value={value} onChange={onChange} isRequired>
      <Label>Reason</Label>
      <Input maxLength={500} autoFocus />
      <Text slot="description" className="hint">
        Recorded in the key&apos;s lifecycle and the audit log.
      </Text>
    </TextField>
  );
}

function TransitionForm(props: { keyView: KeyView; to: KeyState; close: () => void; done: Done }) {
  const { keyView, to, close, done } = props;
  const words = transitionWords(keyView.state, to);
  const [reason, setReason] = useState('');
  const [sure, setSure] = useState(false);
  const move = useAction(() =>
    ask(keywarden().keys.transition({ id: keyView.id, to, reason: reason.trim() })),
  );
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (move.busy) return;
        void move.run().then((moved) => {
          if (!moved) return;
          close();
          done(`The key is now ${STATE_WORDS[moved.state]}.`);
        });
      }}
    >
      <p>{words.consequence}</p>
      <ReasonField value={reason} onChange={setReason} />
      {words.final && (
        <CheckboxChoice isSelected={sure} onChange={setSure}>
          I understand this cannot be undone.
        </CheckboxChoice>
      )}
      {move.busy && <Progress label="Recording the change…" />}
      <ErrorNote error={move.error} />
      <DialogButtons close={close} closeLabel="Close">
        <SubmitButton
          tone={words.final ? 'danger' : 'primary'}
          disabled={reason.trim() === '' || (words.final && !sure)}
          pending={move.busy}
        >
          {words.label}
        </SubmitButton>
      </DialogButtons>
    </Form>
  );
}

function RotateForm({ keyView, close, done }: { keyView: KeyView; close: () => void; done: Done }) {
  // A signing key stays published beside its successor for a while; a compromised one never.
  const signing =
    (keyView.purposes.includes('sign') || keyView.purposes.includes('ssh-auth')) &&
    keyView.state !== 'compromised';
  const [reason, setReason] = useState('');
  const [publishDays, setPublishDays] = useState(30);
  const [rewrap, setRewrap] = useState<{ done: number; total: number } | null>(null);
  useEvent('keys:rewrap-progress', (step) => setRewrap(step));
  const rotate = useAction(() =>
    ask(
      keywarden().keys.rotate({
        id: keyView.id,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        ...(signing ? { publishDays } : {}),
      }),
    ),
  );
  const next = keyView.version + 1;
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (rotate.busy) return;
        void rotate.run().then((result) => {
          if (!result) return;
          close();
          done(
            <>
              Rotated: version {result.key.version} is{' '}
              <a href={hrefOf({ screen: 'key', id: result.key.id })}>{result.key.id}</a>; this
              version is now {STATE_WORDS[result.predecessor.state]}.
              {result.rewrapPending > 0 &&
                ` ${result.rewrapPending} data key(s) still wait to be rewrapped under it.`}
            </>,
          );
        });
      }}
    >
      <p>
        Makes version {next} of this key, generated in the vault: the same algorithm, purposes,
        owner, custodians and labels, with a fresh crypto-period. This version becomes{' '}
        {keyView.state === 'compromised' ? 'a compromised predecessor' : 'deactivated'}: it still
        verifies, decrypts and unwraps, and protects nothing new.
      </p>
      <TextField className="field field-wide" value={reason} onChange={setReason}>
        <Label>Reason (optional)</Label>
        <Input maxLength={500} autoFocus />
      </TextField>
      {signing && (
        <NumberField
          className="field"
          value={publishDays}
          onChange={(value) => setPublishDays(Number.isNaN(value) ? 0 : value)}
          minValue={0}
          maxValue={365}
        >
          <Label>Days this public key stays published</Label>
          <Input />
          <Text slot="description" className="hint">
            Signatures made before the rotation keep verifying beside the new version&apos;s.
          </Text>
        </NumberField>
      )}
      {rotate.busy && (
        <Progress
          label={rewrap ? 'Rewrapping the data keys under the new version…' : 'Generating version…'}
          {...(rewrap && rewrap.total > 0 ? { value: (rewrap.done / rewrap.total) * 100 } : {})}
        />
      )}
      <ErrorNote error={rotate.error} />
      <DialogButtons close={close} closeLabel="Close">
        <SubmitButton pending={rotate.busy}>{`Rotate to version ${next}`}</SubmitButton>
      </DialogButtons>
    </Form>
  );
}

function CancelDestroyForm(props: { keyView: KeyView; close: () => void; done: Done }) {
  const { keyView, close, done } = props;
  const cancel = useAction(() => ask(keywarden().keys.cancelDestroy({ id: keyView.id })));
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (cancel.busy) return;
        void cancel.run().then((kept) => {
          if (!kept) return;
          close();
          done(`The destruction is cancelled; the key is ${STATE_WORDS[kept.state]} again.`);
        });
      }}
    >
      <p>
        The key returns to deactivated with its material intact; a new destruction needs an
        authoriser and a witness again.
      </p>
      <ErrorNote error={cancel.error} />
      <DialogButtons close={close} closeLabel="Close">
        <SubmitButton pending={cancel.busy}>Cancel the destruction</SubmitButton>
      </DialogButtons>
    </Form>
  );
}

export function KeyActions(props: { keyView: KeyView; people: PersonView[]; done: Done }) {
  const { keyView, people, done } = props;
  const actions = keyView.actions;
  if (!actions) return null;
  const any =
    actions.rotate ||
    actions.transitions.length > 0 ||
    actions.destroy !== null ||
    actions.cancelDestroy ||
    actions.exportPublic ||
    actions.csr;
  return (
    <section className="card" aria-labelledby="key-actions">
      <h2 id="key-actions">Actions</h2>
      {!any && (
        <p className="hint">
          A {STATE_WORDS[keyView.state]} key allows no action; its record stays.
        </p>
      )}
      <div className="key-toolbar">
        {actions.rotate && (
          <ModalDialog opener="Rotate" title={`Rotate ${keyView.name}`} tone="primary">
            {(close) => <RotateForm keyView={keyView} close={close} done={done} />}
          </ModalDialog>
        )}
        {actions.transitions.map((to) => {
          const words = transitionWords(keyView.state, to);
          return (
            <ModalDialog
              key={to}
              opener={words.label}
              title={`${words.label}: ${keyView.name}`}
              tone={words.final ? 'danger' : 'plain'}
            >
              {(close) => <TransitionForm keyView={keyView} to={to} close={close} done={done} />}
            </ModalDialog>
          );
        })}
        {actions.destroy && <DestroyDialog keyView={keyView} people={people} done={done} />}
        {actions.cancelDestroy && (
          <ModalDialog
            opener="Cancel destruction"
            title={`Cancel the destruction of ${keyView.name}`}
          >
            {(close) => <CancelDestroyForm keyView={keyView} close={close} done={done} />}
          </ModalDialog>
        )}
        {actions.exportPublic && <ExportPublicDialog keyView={keyView} />}
        {actions.csr && <CsrDialog keyView={keyView} />}
      </div>
    </section>
  );
}
