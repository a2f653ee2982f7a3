import { useState } from 'react';
import { Button, FileTrigger, Label, Text, TextArea, TextField } from 'react-aria-components';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { ErrorNote } from '../../components/notes.tsx';
import { SecretField } from '../../components/SecretField.tsx';
import { hexBytes } from './turn-needs.ts';

// What a person brings at an action step, each as its own field: a share (typed, pasted or
// read from its file), a component in hex (its check value read back before it is given). A
// PIN is the shared NewSecretFields, in the turn's panel. The panel holds the values and
// empties them after each try; the bytes made here for a check are zeroed as soon as it returns.

/** A share file read from disk: its bytes, zeroed by whoever drops it. */
export interface ShareFile {
  name: string;
  bytes: Uint8Array;
}

export function ShareInput({
  text,
  onText,
  file,
  onFile,
}: {
  text: string;
  onText: (text: string) => void;
  file: ShareFile | null;
  onFile: (file: ShareFile | null) => void;
}) {
  return (
    <div className="cer-share">
      <TextField
        className="field field-wide"
        value={text}
        onChange={onText}
        isDisabled={file !== null}
      >
        <Label>Your share</Label>
        <TextArea
          className="cer-share-text"
          rows={7}
          spellCheck={false}
          autoComplete="off"
          autoFocus
        />
        <Text slot="description" className="hint">
          Paste the share file’s contents, or type the block from its sheet, from BEGIN to END. It
          is cleared from the screen as soon as you submit.
        </Text>
      </TextField>
      <div className="cer-share-file">
        <FileTrigger
          onSelect={(files) => {
            const chosen = files?.[0];
            if (!chosen) return;
            void chosen.arrayBuffer().then((buffer) => {
              file?.bytes.fill(0);
              onText('');
              onFile({ name: chosen.name, bytes: new Uint8Array(buffer) });
            });
          }}
        >
          <Button className="button">Read the share from a file…</Button>
        </FileTrigger>
        {file && (
          <span>
            {file.name} read.{' '}
            <Button
              className="button button-quiet"
              onPress={() => {
                file.bytes.fill(0);
                onFile(null);
              }}
            >
              Forget it
            </Button>
          </span>
        )}
      </div>
    </div>
  );
}

export function ComponentInput({
  value,
  onChange,
  confirmed,
  onConfirmed,
}: {
  value: string;
  onChange: (value: string) => void;
  confirmed: boolean;
  onConfirmed: (confirmed: boolean) => void;
}) {
  const [check, setCheck] = useState<{
    kcv: string;
    kcvWords: string[];
    legacyKcv?: string;
  } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const showCheck = async () => {
    setError(null);
    const bytes = hexBytes(value);
    if (!bytes) {
      setError({
        code: 'BAD_REQUEST',
        message: 'A component is hex digits, two for each byte (spaces between groups are fine).',
      });
      return;
    }
    try {
      setCheck(await ask(keywarden().ceremony.checkComponent({ value: bytes })));
    } catch (caught) {
      setError(errorInfo(caught));
    } finally {
      bytes.fill(0);
    }
  };
  return (
    <>
      {/* A key component, like a PIN: never remembered or suggested by the browser. */}
      <SecretField
        label="Your component (hex, not shown)"
        kind="pin"
        className="field-wide"
        value={value}
        onChange={(typed) => {
          onChange(typed);
          setCheck(null);
          onConfirmed(false);
        }}
        autoFocus
      />
      <Button className="button" isDisabled={value.length === 0} onPress={() => void showCheck()}>
        Show its check value
      </Button>
      <ErrorNote error={error} />
      {check && value.length > 0 && (
        <div className="cer-check" aria-live="polite">
          <p>
            Check value: <code>{check.kcv}</code> ({check.kcvWords.join(' ')})
            {check.legacyKcv && (
              <>
                ; legacy form <code>{check.legacyKcv}</code>
              </>
            )}
          </p>
          <CheckboxChoice isSelected={confirmed} onChange={onConfirmed}>
            It matches the check value on my component form
          </CheckboxChoice>
        </div>
      )}
    </>
  );
}
