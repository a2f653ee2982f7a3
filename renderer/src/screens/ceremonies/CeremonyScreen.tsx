import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import type { CeremonyView } from '../../../../electron/shared/ceremony-run-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, keywarden, useAction, useEvent, useQuery } from '../../api.ts';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import { hrefOf } from '../../router.ts';
import type { ScreenProps } from '../screens.tsx';
import { AbortDialog } from './AbortDialog.tsx';
import { ActionResults } from './ActionResults.tsx';
import { CeremonyFacts } from './CeremonyFacts.tsx';
import { StepList } from './StepList.tsx';
import { TranscriptSection } from './TranscriptSection.tsx';
import { Handover } from './Handover.tsx';
import { TurnPanel } from './TurnPanel.tsx';
import { STATUS_WORDS, detailText, roleWord } from './ceremony-words.ts';
import { isTakenUp, takeUp } from './taken-up.ts';
import { needsOf } from './turn-needs.ts';
import './ceremonies.css';
import './ceremony-wizard.css';

// A ceremony, step by step: the steps as a progress list beside one panel for the person whose
// turn it is. Between two people the screen is handed over: the last person's panel is gone
// (its fields emptied, then unmounted) before the next one's appears. At the end, what the
// vault did and the transcript, to export and verify.

export function CeremonyScreen({ vault, id }: ScreenProps & { id?: string }) {
  // A new ceremony is a new wizard: nothing of one ceremony's turns carries into another's.
  return <Wizard key={id} vaultPath={vault.path} id={id ?? ''} />;
}

/** The serial of the token the ceremony's key lives on, when a destruction needs its PIN. */
function useTokenOfKey(view: CeremonyView | null): string | null {
  const key = typeof view?.parameters.key === 'string' ? view.parameters.key : null;
  const destroys = view?.steps.some((s) => s.action === 'destroy-key') ?? false;
  const shown = useQuery(
    async () => (destroys && key ? ask(keywarden().keys.show({ id: key })) : null),
    [destroys, key],
  );
  const location = shown.data?.location;
  return location?.kind === 'token' ? location.serial : null;
}

function Wizard({ vaultPath, id }: { vaultPath: string; id: string }) {
  const shown = useQuery(() => ask(keywarden().ceremony.show({ id })), [id]);
  const [view, setView] = useState<CeremonyView | null>(null);
  useEffect(() => {
    if (shown.data) setView(shown.data);
  }, [shown.data]);
  useEvent('ceremony:progress', (summary) => {
    if (summary.id === id) shown.reload();
  });
  const tokenOfKey = useTokenOfKey(view);
  const [takenUp, setTakenUp] = useState(() => isTakenUp(id));
  // The turn someone has taken the screen for, and who acted last (no hand-over to oneself).
  const [ready, setReady] = useState<string | null>(null);
  const [lastActor, setLastActor] = useState<string | null>(null);
  const [turnError, setTurnError] = useState<ErrorInfo | null>(null);
  const ended = useRef<HTMLHeadingElement>(null);
  const resume = useAction(async () => ask(keywarden().ceremony.resume({ id })));
  const open = view?.status === 'open';

  // When the last turn ends the ceremony, focus goes to the line that says so.
  const loaded = view !== null;
  useEffect(() => {
    if (loaded && !open && takenUp) ended.current?.focus();
  }, [loaded, open, takenUp]);

  if (!view) {
    return (
      <>
        <PageHeader title="Ceremony" />
        {shown.loading && <Progress label="Reading the ceremony…" />}
        <ErrorNote error={shown.error} />
        <p>
          <a href={hrefOf({ screen: 'ceremonies' })}>Back to the ceremonies</a>
        </p>
      </>
    );
  }

  const next = view.next;
  const step = next ? view.steps.find((s) => s.id === next.step) : undefined;
  const turn = next ? `${next.step}/${next.by}` : null;
  const showPanel = next !== null && (ready === turn || next.by === lastActor);
  const role = next ? view.participants.find((p) => p.name === next.by)?.role : undefined;
  const aborted = view.entries.find((e) => e.event === 'aborted');
  const status = STATUS_WORDS[view.status];

  return (
    <div className="cer-screen">
      <PageHeader title={view.template.title}>
        <span className={status.badge}>{status.label}</span>
      </PageHeader>
      <p className="cer-backlink">
        <a href={hrefOf({ screen: 'ceremonies' })}>All ceremonies</a>
      </p>
      <div className="cer-layout">
        <StepList view={view} />
        <div className="cer-turn-area">
          {open && !takenUp && (
            <section className="card" aria-labelledby="resume-title">
              <h2 id="resume-title">Resume this ceremony</h2>
              <p>
                It is open at “{step?.title ?? 'its last step'}”. Take it up here to go on: the
                transcript records that it was resumed, and when.
              </p>
              {resume.busy && <Progress label="Resuming…" />}
              <ErrorNote error={resume.error} />
              <Button
                className="button button-primary"
                isDisabled={resume.busy}
                onPress={() =>
                  void resume.run().then((resumed) => {
                    if (!resumed) return;
                    takeUp(id);
                    setTakenUp(true);
                    setView(resumed);
                  })
                }
              >
                Resume the ceremony
              </Button>
            </section>
          )}
          {open && takenUp && next && step && (
            <>
              <ErrorNote error={turnError} />
              {showPanel ? (
                <TurnPanel
                  key={turn}
                  view={view}
                  step={step}
                  by={next.by}
                  need={needsOf(view, step, next.by, tokenOfKey)}
                  onDone={(after) => {
                    setTurnError(null);
                    setLastActor(next.by);
                    setReady(null);
                    setView(after);
                  }}
                  onHandBack={() => {
                    setTurnError(null);
                    setReady(null);
                    setLastActor(null);
                  }}
                  onFailed={(error) => {
                    setTurnError(error);
                    // This person still has the screen: if the vault now wants someone else
                    // (a failed action starts over with its first contributor), it is handed
                    // over to them first, never opened to them in front of this person.
                    setLastActor(next.by);
                    // A failed action forgets every contribution to it: who is next comes from the vault.
                    shown.reload();
                  }}
                />
              ) : (
                <Handover
                  turn={turn ?? ''}
                  name={next.by}
                  role={role ? roleWord(role) : 'participant'}
                  stepTitle={step.title}
                  onContinue={() => {
                    setTurnError(null);
                    setReady(turn);
                  }}
                />
              )}
            </>
          )}
          {!open && (
            <section className="card" aria-labelledby="ended-title">
              <h2 id="ended-title" ref={ended} tabIndex={-1}>
                {view.status === 'completed'
                  ? 'The ceremony is complete'
                  : 'The ceremony was aborted'}
              </h2>
              {view.status === 'completed' ? (
                <p>
                  Every step is recorded. Export the transcript below, print its PDF for the
                  witnesses’ and the auditor’s signatures, and verify the file.
                </p>
              ) : (
                <p>
                  {aborted?.by ?? 'The administrator'} aborted it
                  {aborted ? `: “${detailText(aborted.detail.reason)}”` : ''}. It cannot be resumed;
                  its transcript can still be exported.
                </p>
              )}
            </section>
          )}
          {open && takenUp && !showPanel && (
            <div className="cer-abort">
              <AbortDialog
                view={view}
                onAborted={(after) => {
                  setTurnError(null);
                  setView(after);
                }}
              />
            </div>
          )}
        </div>
      </div>
      <CeremonyFacts view={view} />
      <ActionResults view={view} />
      <TranscriptSection view={view} vaultPath={vaultPath} />
    </div>
  );
}
