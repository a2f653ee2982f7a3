import type { KeyView } from '../../../../electron/shared/inventory-types.ts';
import { dateWords, fromNowWords } from './key-words.ts';

// The crypto-period as two bars on one time axis (NIST SP 800-57 Part 1, figure 2): the
// originator usage period (the key applies protection) and the recipient usage period (it
// still processes what it protected), from activation to the recipient end, with today
// marked. The whole picture is also said in words for screen readers.

/** Where `at` falls on the axis from `start` to `end`, as a percentage clamped to 0-100. */
function place(at: number, start: number, end: number): number {
  if (end <= start) return 0;
  return Math.min(100, Math.max(0, ((at - start) / (end - start)) * 100));
}

export function CryptoPeriodBar({ keyView, now }: { keyView: KeyView; now: Date }) {
  const period = keyView.cryptoPeriod;
  const startIso = keyView.activatedAt ?? keyView.createdAt;
  const today = now.getTime();
  // The axis covers the period, and today too when it falls outside it.
  const axisStart = Math.min(Date.parse(startIso), today);
  const axisEnd = Math.max(Date.parse(period.recipientUsageEnd), today);
  const at = (iso: string) => place(Date.parse(iso), axisStart, axisEnd);
  const todayAt = place(today, axisStart, axisEnd);
  const provisional = keyView.activatedAt === null;
  const ends = (iso: string) =>
    `${Date.parse(iso) < today ? 'ended' : 'ends'} ${fromNowWords(iso, now)}`;

  const originator = period.originatorUsageEnd
    ? `Originator use from ${dateWords(startIso)} to ${dateWords(period.originatorUsageEnd)} (${ends(period.originatorUsageEnd)})`
    : 'No originator use: this kind of key only processes';
  const recipient = `Recipient use from ${dateWords(startIso)} to ${dateWords(period.recipientUsageEnd)} (${ends(period.recipientUsageEnd)})`;
  const summary = `${originator}. ${recipient}. Today is ${dateWords(now.toISOString())}.`;

  return (
    <div className="period">
      <div className="period-chart" role="img" aria-label={summary}>
        <div className="period-row">
          <span className="period-name" aria-hidden="true">
            Originator
          </span>
          <div className="period-track">
            {period.originatorUsageEnd && (
              <div
                className="period-bar period-originator"
                style={{
                  left: `${at(startIso)}%`,
                  width: `${at(period.originatorUsageEnd) - at(startIso)}%`,
                }}
              />
            )}
            <div className="period-today" style={{ left: `${todayAt}%` }} />
          </div>
        </div>
        <div className="period-row">
          <span className="period-name" aria-hidden="true">
            Recipient
          </span>
          <div className="period-track">
            <div
              className="period-bar period-recipient"
              style={{
                left: `${at(startIso)}%`,
                width: `${at(period.recipientUsageEnd) - at(startIso)}%`,
              }}
            />
            <div className="period-today" style={{ left: `${todayAt}%` }} />
          </div>
        </div>
        <div className="period-row" aria-hidden="true">
          <span className="period-name" />
          <div className="period-axis">
            <span style={{ left: '0%' }}>{dateWords(new Date(axisStart).toISOString())}</span>
            <span className="period-today-label" style={{ left: `${todayAt}%` }}>
              Today
            </span>
            <span style={{ left: '100%' }}>{dateWords(new Date(axisEnd).toISOString())}</span>
          </div>
        </div>
      </div>
      <ul className="period-legend">
        <li>
          <span className="period-swatch period-originator" aria-hidden="true" />
          {originator}.
        </li>
        <li>
          <span className="period-swatch period-recipient" aria-hidden="true" />
          {recipient}.
        </li>
        <li className="hint">
          Policy row <code>{period.policyRow}</code>
          {provisional
            ? '; provisional: the period starts again when the key is activated.'
            : '; counted from activation.'}
        </li>
      </ul>
    </div>
  );
}
