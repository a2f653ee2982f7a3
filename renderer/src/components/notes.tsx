import { ProgressBar, Label } from 'react-aria-components';
import type { ErrorInfo } from '../../../electron/shared/errors.ts';
import { inWords } from '../error-words.ts';

// Small pieces every screen uses: an error in words, a progress bar for work that takes
// longer than half a second, and a page heading.

/** An error as a person reads it: what happened, and what to do. Announced to screen readers. */
export function ErrorNote({ error }: { error: ErrorInfo | null }) {
  if (!error) return null;
  const { message, advice } = inWords(error);
  return (
    <div className="note note-error" role="alert">
      <strong>{message}</strong>
      {advice && <span> {advice}</span>}
      <code className="note-code">{error.code}</code>
    </div>
  );
}

/** A progress bar: determinate when `value` is known, else indeterminate. */
export function Progress({ label, value }: { label: string; value?: number }) {
  return (
    <ProgressBar
      className="progress"
      {...(value === undefined ? { isIndeterminate: true } : { value, maxValue: 100 })}
    >
      {({ percentage }) => (
        <>
          <Label>{label}</Label>
          <div className="progress-track">
            <div
              className={value === undefined ? 'progress-fill progress-moving' : 'progress-fill'}
              style={value === undefined ? undefined : { width: `${percentage ?? 0}%` }}
            />
          </div>
        </>
      )}
    </ProgressBar>
  );
}

/** A screen's title and a line about it. */
export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-header-extra">{children}</div>}
    </header>
  );
}
