import type { AuditVerification } from '../../../../electron/shared/vault-types.ts';

// A verification of the audit chain in words: intact and how far it was checked, or where it
// breaks and why (the reason is core's own sentence, audit-log.ts walkChain / verifyAudit).

const entries = (n: number) => `${n.toLocaleString()} entr${n === 1 ? 'y' : 'ies'}`;

/** The headline (for the badge) and the sentences that explain it. */
export function chainInWords(result: AuditVerification): {
  headline: string;
  tone: 'ok' | 'warn' | 'danger';
  lines: string[];
} {
  if (!result.intact) {
    const bad = result.firstBad;
    const lines = [
      bad ? `The chain is broken at entry #${bad.seq}: ${bad.reason}.` : 'The chain is broken.',
      bad && bad.seq > 1
        ? `Entries #1 to #${bad.seq - 1} link up; from #${bad.seq} on, the log cannot be trusted. Keep this vault file as evidence and restore a backup.`
        : 'No part of the log can be trusted. Keep this vault file as evidence and restore a backup.',
    ];
    if (result.checkpoint === 'missing') lines.push('The MAC’d checkpoint is missing.');
    return { headline: 'Broken', tone: 'danger', lines };
  }
  const lines = [
    `The chain is intact: all ${entries(result.entries)} link up, each to the one before.`,
  ];
  if (result.checkpoint === 'verified') {
    lines.push(
      `The checkpoint${result.checkpointSeq !== undefined ? ` at entry #${result.checkpointSeq}` : ''} verified against its MAC under the vault key, so the log was neither rewritten nor cut short.`,
    );
    if (result.uncheckpointed > 0) {
      lines.push(
        `The ${entries(result.uncheckpointed)} after it ${result.uncheckpointed === 1 ? 'is a failed unlock attempt' : 'are failed unlock attempts'} recorded while the vault was locked.`,
      );
    }
    return { headline: 'Intact', tone: 'ok', lines };
  }
  lines.push(
    'The checkpoint was not checked (that needs the vault unlocked), so a log rewritten as a whole or cut short would not show here.',
  );
  return { headline: 'Intact, checkpoint not checked', tone: 'warn', lines };
}
