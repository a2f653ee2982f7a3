import { useState } from 'react';
import type { ReactNode } from 'react';
import { ask, keywarden, useQuery } from '../../api.ts';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import type { ScreenProps } from '../screens.tsx';
import { CryptoPeriodBar } from './CryptoPeriodBar.tsx';
import { KeyActions } from './KeyActions.tsx';
import { Fingerprint, Ownership, Purposes, Versions } from './KeyFacts.tsx';
import { LifecycleTimeline, OwnershipHistory } from './KeyHistory.tsx';
import { algorithmWords, STATE_WORDS, stateBadge } from './key-words.ts';
import './key.css';

// One key in full (route #/keys/ID): who owns and holds it, what it is for, its fingerprint,
// its lifecycle and crypto-period, its versions, and the actions its state allows now. The
// key comes from keys:show, which also says which actions are allowed; the screen never
// decides that itself.

export function KeyScreen({ id }: ScreenProps & { id?: string }) {
  const keyId = id ?? '';
  const shown = useQuery(async () => {
    const [key, people] = await Promise.all([
      ask(keywarden().keys.show({ id: keyId })),
      ask(keywarden().people.list({})),
    ]);
    return { key, people };
  }, [keyId]);
  const [result, setResult] = useState<{ id: string; text: ReactNode } | null>(null);
  const done = (text: ReactNode) => {
    setResult({ id: keyId, text });
    shown.reload();
  };

  if (!shown.data) {
    return (
      <>
        <PageHeader title="Key">
          <a href={hrefOf({ screen: 'inventory' })}>All keys</a>
        </PageHeader>
        {shown.loading && <Progress label="Opening the key…" />}
        <ErrorNote error={shown.error} />
      </>
    );
  }
  const { key, people } = shown.data;
  const now = new Date();
  return (
    <>
      <PageHeader title={key.name}>
        <a href={hrefOf({ screen: 'inventory' })}>All keys</a>
      </PageHeader>
      <p className="key-summary">
        <span className={stateBadge(key.state)}>{STATE_WORDS[key.state]}</span>{' '}
        {algorithmWords(key)}, version {key.version}, <span className="mono">{key.id}</span>
      </p>
      <div role="status" className="key-result">
        {result?.id === keyId && <p className="note">{result.text}</p>}
      </div>
      <ErrorNote error={shown.error} />
      <KeyActions keyView={key} people={people} done={done} />
      <div className="key-grid">
        <Ownership keyView={key} people={people} />
        <Purposes keyView={key} />
        <section className="card key-wide" aria-labelledby="key-period">
          <h2 id="key-period">Crypto-period</h2>
          <CryptoPeriodBar keyView={key} now={now} />
        </section>
        <Fingerprint keyView={key} />
        <LifecycleTimeline keyView={key} people={people} />
        <Versions keyView={key} />
        <OwnershipHistory keyView={key} people={people} />
      </div>
    </>
  );
}
