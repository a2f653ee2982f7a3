import { useState } from 'react';
import { Button, Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import type { Key } from 'react-aria-components';
import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { GenerateOnToken } from './GenerateOnToken.tsx';
import { InitToken } from './InitToken.tsx';
import { ChangePin, UnblockPin } from './PinForms.tsx';
import { TokenFacts } from './TokenCard.tsx';
import { TokenObjects } from './TokenObjects.tsx';
import type { ListedObjects } from './TokenObjects.tsx';
import { tokenName } from './token-words.ts';

// The selected token: its facts, and what can be done with it, one tab each. Leaving a tab
// unmounts its form, and with it anything typed there. A token not initialised yet offers
// only its initialisation (the services never re-initialise one: that would erase keys
// outside the destruction flow).

export function TokenDetail(props: {
  token: TokenView;
  onChanged: () => void;
  onInitialised: (token: TokenView) => void;
}) {
  const { token, onChanged } = props;
  const [tab, setTab] = useState<Key>('objects');
  const [listed, setListed] = useState<ListedObjects | null>(null);
  const locked = token.initialized && token.userPin.locked;
  const title = (
    <h2 id="token-detail-title">
      {token.label || 'Unlabelled token'}
      {token.serial && <span className="muted"> ({token.serial})</span>}
    </h2>
  );
  if (!token.initialized) {
    return (
      <section className="card token-detail" aria-labelledby="token-detail-title">
        {title}
        <TokenFacts token={token} />
        <h3>Initialise the token</h3>
        <InitToken
          token={token}
          onDone={(made) => {
            onChanged();
            if (made) props.onInitialised(made);
          }}
        />
      </section>
    );
  }
  return (
    <section className="card token-detail" aria-labelledby="token-detail-title">
      {title}
      <TokenFacts token={token} />
      {locked && (
        <div className="note note-error" role="alert">
          <strong>The user PIN of token {tokenName(token)} is locked.</strong> Nothing needing it
          works until the security officer unblocks it with the SO PIN.{' '}
          <Button className="button button-quiet inline-button" onPress={() => setTab('unblock')}>
            Unblock the PIN
          </Button>
        </div>
      )}
      <Tabs selectedKey={tab} onSelectionChange={setTab} className="tabs">
        <TabList aria-label={`What to do with token ${token.serial}`} className="tab-list">
          <Tab id="objects" className="tab">
            Objects
          </Tab>
          <Tab id="generate" className="tab">
            Generate a key
          </Tab>
          <Tab id="change-pin" className="tab">
            Change PIN
          </Tab>
          <Tab id="unblock" className="tab">
            Unblock PIN
          </Tab>
        </TabList>
        <TabPanel id="objects" className="tab-panel">
          <h3>Objects on the token</h3>
          <TokenObjects token={token} listed={listed} onListed={setListed} onPinTried={onChanged} />
        </TabPanel>
        <TabPanel id="generate" className="tab-panel">
          <h3>Generate a key on this token</h3>
          <GenerateOnToken
            token={token}
            onPinTried={onChanged}
            onGenerated={(objects) => objects && setListed(objects)}
          />
        </TabPanel>
        <TabPanel id="change-pin" className="tab-panel">
          <h3>Change the user PIN</h3>
          <ChangePin token={token} onDone={onChanged} />
        </TabPanel>
        <TabPanel id="unblock" className="tab-panel">
          <h3>Unblock the user PIN</h3>
          <UnblockPin token={token} onDone={onChanged} />
        </TabPanel>
      </Tabs>
    </section>
  );
}
