import { useEffect, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import type { TokenObjectView, TokenView } from '../../../../electron/shared/token-types.ts';
import { ask, keywarden, useAction, withSecret } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { FinalTryConsent, PinField, onFinalTry } from './PinFields.tsx';
import { Badges } from './TokenCard.tsx';
import {
  CLASS_WORDS,
  byKey,
  keyInWords,
  pinErrorForScreen,
  provenanceBadges,
  tokenName,
} from './token-words.ts';

// The objects on a token: public ones without a PIN, private ones after the user PIN. The
// PIN becomes bytes only for the one call and the field is emptied when the form is sent.

/** What was listed, and whether the PIN was given (else private objects are not among them). */
export interface ListedObjects {
  objects: TokenObjectView[];
  withPin: boolean;
}

function ObjectsTable({ token, listed }: { token: TokenView; listed: ListedObjects }) {
  if (listed.objects.length === 0) {
    return (
      <p className="empty">
        {listed.withPin
          ? `Token ${tokenName(token)} holds no objects.`
          : `Token ${tokenName(token)} holds no public objects. Give the user PIN to see private ones.`}
      </p>
    );
  }
  return (
    <div className="table-scroll">
      <table className="table objects-table">
        <caption>
          {listed.objects.length} object{listed.objects.length === 1 ? '' : 's'} on token{' '}
          {tokenName(token)}
          {listed.withPin ? '' : ' (public only: no PIN was given)'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">Label</th>
            <th scope="col">CKA_ID</th>
            <th scope="col">Key</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {byKey(listed.objects).map((object, i) => (
            <tr key={`${object.class}:${object.id}:${i}`}>
              <td>{CLASS_WORDS[object.class]}</td>
              <td>{object.label || <span className="muted">no label</span>}</td>
              <td>
                {object.id ? (
                  <code className="cka-id">{object.id}</code>
                ) : (
                  <span className="muted">none</span>
                )}
              </td>
              <td>{keyInWords(object)}</td>
              <td>
                <Badges badges={provenanceBadges(object.provenance)} label="Flags" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The PIN prompt and the table of what it listed. */
export function TokenObjects(props: {
  token: TokenView;
  listed: ListedObjects | null;
  onListed: (listed: ListedObjects) => void;
  onPinTried: () => void;
}) {
  const { token, listed, onListed, onPinTried } = props;
  const [pin, setPin] = useState('');
  const [acceptFinalTry, setAcceptFinalTry] = useState(false);
  const list = useAction(async (typed: string, finalTry: boolean) => {
    const ref = {
      serial: token.serial,
      module: token.module,
      ...(finalTry ? { acceptFinalTry: true } : {}),
    };
    if (typed.length === 0) {
      return { objects: await ask(keywarden().tokens.objects(ref)), withPin: false };
    }
    return withSecret(typed, async (bytes) => ({
      objects: await ask(keywarden().tokens.objects({ ...ref, pin: bytes })),
      withPin: true,
    }));
  });
  const finalTry = onFinalTry(token, 'user', list.error);
  // A token that needs no login shows its objects at once; others wait for the PIN prompt.
  const needsNoPin = !token.loginRequired && listed === null;
  useEffect(() => {
    if (needsNoPin) void list.run('', false).then((result) => result && onListed(result));
    // Only when the token is first shown: a later list is the person's to ask for.
  }, []);
  return (
    <>
      {finalTry && (
        <FinalTryConsent role="user" isSelected={acceptFinalTry} onChange={setAcceptFinalTry} />
      )}
      <Form
        className="form form-inline"
        onSubmit={(event) => {
          event.preventDefault();
          const typed = pin;
          setPin('');
          void list.run(typed, acceptFinalTry).then((result) => {
            setAcceptFinalTry(false);
            if (result) onListed(result);
            if (typed.length > 0) onPinTried();
          });
        }}
      >
        <PinField
          label="User PIN"
          value={pin}
          onChange={setPin}
          description={
            token.loginRequired ? 'Without it, only public objects are listed.' : undefined
          }
        />
        <Button type="submit" className="button button-primary" isDisabled={list.busy}>
          List objects
        </Button>
      </Form>
      {list.busy && <Progress label="Reading the objects on the token…" />}
      <ErrorNote error={pinErrorForScreen(list.error, token, 'user')} />
      {listed && <ObjectsTable token={token} listed={listed} />}
    </>
  );
}
