import { useState } from 'react';
import { Button, ListBox, ListBoxItem } from 'react-aria-components';
import type { TokenChange, TokenList } from '../../../../electron/shared/token-types.ts';
import { ask, keywarden, useEvent, useQuery } from '../../api.ts';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import type { ScreenProps } from '../screens.tsx';
import { TokenCard } from './TokenCard.tsx';
import { TokenDetail } from './TokenDetail.tsx';
import { tokenKey, tokenName } from './token-words.ts';
import './tokens.css';

// The attached PKCS#11 tokens, live: the main process looks for tokens about every second
// and says what was inserted or removed (tokens:changed); the list follows without a reload
// and says so in a live region. Selecting a token shows its objects and what can be done
// with it. Nothing secret is held here beyond a PIN form's own field.

/** What a change says to a person, naming removed tokens by the label they had. */
function newsOf(change: TokenChange, before: TokenList | null): string {
  const lines = [
    ...change.inserted.map((token) => `Token ${tokenName(token)} was inserted.`),
    ...change.removed.map((gone) => {
      const known = before?.tokens.find((token) => tokenKey(token) === tokenKey(gone));
      return `Token ${tokenName(known ?? gone)} was removed.`;
    }),
  ];
  return lines.join(' ');
}

function Modules({ list }: { list: TokenList }) {
  return (
    <section className="card" aria-labelledby="modules-title">
      <h2 id="modules-title">PKCS#11 modules</h2>
      {list.modules.length === 0 ? (
        <p className="empty">No PKCS#11 module was found in the usual places.</p>
      ) : (
        <ul className="module-list">
          {list.modules.map((module) => (
            <li key={module}>
              <code>{module}</code>
            </li>
          ))}
        </ul>
      )}
      {list.failures.length > 0 && (
        <>
          <p>These modules could not be loaded:</p>
          <ul className="module-list">
            {list.failures.map((failure) => (
              <li key={failure.module}>
                <code>{failure.module}</code>: {failure.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function TokensScreen(_props: ScreenProps) {
  const list = useQuery(() => ask(keywarden().tokens.list({})));
  const [selected, setSelected] = useState<string | null>(null);
  const [news, setNews] = useState('');
  useEvent('tokens:changed', (change) => {
    setNews(newsOf(change, list.data));
    list.reload();
  });

  const tokens = list.data?.tokens ?? [];
  const chosen = tokens.find((token) => tokenKey(token) === selected) ?? null;

  return (
    <div className="tokens-screen">
      <PageHeader title="Tokens">
        <Button className="button" onPress={list.reload} isDisabled={list.loading}>
          Look again
        </Button>
      </PageHeader>
      <p className="hint tokens-intro">
        Smartcards and HSM tokens reached through their PKCS#11 modules. Tokens inserted or removed
        appear and disappear here as it happens.
      </p>
      <div role="status" aria-live="polite" className="token-news">
        {news}
      </div>
      {list.loading && !list.data && <Progress label="Looking for tokens…" />}
      <ErrorNote error={list.error} />
      {list.data && (
        <section aria-labelledby="attached-title">
          <h2 id="attached-title">Attached tokens</h2>
          {tokens.length === 0 ? (
            <p className="empty card">
              No token attached: insert a smartcard or HSM token. It appears here when it is
              inserted.
            </p>
          ) : (
            <>
              <ListBox
                aria-label="Attached tokens"
                className="token-list"
                layout="grid"
                selectionMode="single"
                disallowEmptySelection
                items={tokens.map((token) => ({ ...token, id: tokenKey(token) }))}
                selectedKeys={chosen ? [tokenKey(chosen)] : []}
                onSelectionChange={(keys) => {
                  const [first] = keys === 'all' ? [] : [...keys];
                  setSelected(first === undefined ? null : String(first));
                }}
              >
                {(token) => (
                  <ListBoxItem
                    id={token.id}
                    className="token-option"
                    textValue={`${token.label || 'Unlabelled token'} ${token.serial}`}
                  >
                    <TokenCard token={token} />
                  </ListBoxItem>
                )}
              </ListBox>
              {!chosen && (
                <p className="hint">Select a token to see its objects and work with it.</p>
              )}
            </>
          )}
        </section>
      )}
      {chosen && (
        <TokenDetail
          key={tokenKey(chosen)}
          token={chosen}
          onChanged={list.reload}
          onInitialised={(made) => {
            setNews(`Token ${tokenName(made)} was initialised; it holds no objects yet.`);
            setSelected(tokenKey(made));
          }}
        />
      )}
      {list.data && <Modules list={list.data} />}
    </div>
  );
}
