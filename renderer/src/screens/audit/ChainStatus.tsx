import { Button } from 'react-aria-components';
import type { AuditEntry, AuditVerification } from '../../../../electron/shared/vault-types.ts';
import { ask, keywarden, useAction } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { chainInWords } from './chain-words.ts';
import { formatTime } from './audit-time.ts';

// The chain's status at the top of the audit screen, and the button that verifies it: every
// entry's hash against the one before, and the checkpoint's MAC under the vault key.

/** A verification and when it ran. */
export interface Verified {
  result: AuditVerification;
  at: Date;
}

export function ChainStatus({
  last,
  newest,
  total,
  onVerified,
  onShowEntry,
}: {
  /** The last verification, if one ran. */
  last: Verified | null;
  /** The newest entry read, if any. */
  newest: AuditEntry | undefined;
  /** How many entries were read. */
  total: number;
  onVerified: (verified: Verified) => void;
  /** Shows one entry in the log (the first bad one). */
  onShowEntry: (seq: number) => void;
}) {
  const verify = useAction(async () => ask(keywarden().audit.verify({})));
  const words = last ? chainInWords(last.result) : null;
  const firstBad = last?.result.intact === false ? last.result.firstBad : undefined;

  const run = async () => {
    const result = await verify.run();
    if (result) onVerified({ result, at: new Date() });
  };

  return (
    <section className="card chain" aria-labelledby="chain-heading">
      <div className="chain-head">
        <h2 id="chain-heading">Chain status</h2>
        <span
          className={`badge chain-badge ${words ? `badge-${words.tone}` : ''}`}
          data-testid="chain-badge"
        >
          {words ? words.headline : 'Not verified yet'}
        </span>
      </div>
      <p className="chain-read">
        {total === 0
          ? 'No entry read yet.'
          : `${total.toLocaleString()} entr${total === 1 ? 'y' : 'ies'} read; the newest is #${newest?.seq ?? '?'}${newest ? `, ${formatTime(newest.at)}` : ''}.`}
      </p>
      <div className="chain-result" role="status" aria-live="polite">
        {last && words && (
          <>
            {words.lines.map((line) => (
              <p key={line}>{line}</p>
            ))}
            <p className="hint">Verified {formatTime(last.at.toISOString())}.</p>
          </>
        )}
      </div>
      {!last && (
        <p className="hint">
          Verifying walks every entry from the first, checking each one's hash against the one
          before it, and checks the checkpoint MAC’d under the vault key.
        </p>
      )}
      {verify.busy && <Progress label="Verifying the chain…" />}
      <ErrorNote error={verify.error} />
      <div className="chain-actions">
        <Button
          className="button button-primary"
          isDisabled={verify.busy}
          onPress={() => void run()}
        >
          Verify the chain
        </Button>
        {firstBad && (
          <Button className="button" onPress={() => onShowEntry(firstBad.seq)}>
            Show entry #{firstBad.seq} in the log
          </Button>
        )}
      </div>
    </section>
  );
}
