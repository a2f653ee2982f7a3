import type { CeremonyView } from '../../../../electron/shared/ceremony-run-types.ts';
import { actedOn, stepProgress } from './ceremony-words.ts';

// The ceremony's steps as a vertical progress list: each step done, due or still to come,
// who has acted on it and who is awaited, and its progress role by role ("1 of 3 custodians").

const STATE_WORDS = { done: 'Done', due: 'Now', later: 'Later' } as const;

export function StepList({ view }: { view: CeremonyView }) {
  const open = view.status === 'open';
  return (
    <section aria-labelledby="steps-title" className="card cer-steps-card">
      <h2 id="steps-title">Steps</h2>
      <ol className="cer-steps">
        {view.steps.map((step, i) => {
          const progress = stepProgress(view, step);
          const acted = actedOn(view, step);
          return (
            <li
              key={step.id}
              className={`cer-step cer-step-${step.state}`}
              aria-current={open && step.state === 'due' ? 'step' : undefined}
            >
              <span className="cer-step-marker" aria-hidden="true">
                {step.state === 'done' ? '✓' : i + 1}
              </span>
              <div className="cer-step-body">
                <h3 className="cer-step-title">
                  {step.title}{' '}
                  <span className={`cer-step-state cer-step-state-${step.state}`}>
                    {open || step.state === 'done' ? STATE_WORDS[step.state] : 'Not reached'}
                  </span>
                </h3>
                {progress && <p className="cer-step-progress">{progress}</p>}
                {acted.length > 0 && <p className="cer-step-who">Done: {acted.join(', ')}</p>}
                {open && step.state === 'due' && step.waiting.length > 0 && (
                  <p className="cer-step-who">Awaited: {step.waiting.join(', ')}</p>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
