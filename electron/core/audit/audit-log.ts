import { createHash } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { encodeFields, equalBytes } from '../crypto/bytes.ts';
import { hmacSha256 } from '../crypto/subkeys.ts';
import type { SqlConnection } from '../../../native/store/store.ts';
import type {
  AuditDetail,
  AuditEntry,
  AuditOutcome,
  AuditVerification,
} from '../../shared/vault-types.ts';

// The append-only, hash-chained audit log. Each entry's hash covers the previous hash and
// all of its own fields, so an edit, deletion, insertion or reordering breaks the chain.
// While the vault is unlocked every append also moves a checkpoint MAC'd under a key
// derived from the VMK, which catches a forger who recomputes the whole (unkeyed) chain.
// Entries never hold secret values: callers pass ids, counts and codes only.

export const Outcome = { SUCCESS: 'success', FAILURE: 'failure' } as const satisfies Record<
  string,
  AuditOutcome
>;

export type { AuditDetail, AuditEntry, AuditVerification };

/** What an operation tells the log; the chain adds seq, time and hashes. */
export interface AuditEvent {
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail?: AuditDetail;
}

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  detail: string;
  prev_hash: Buffer;
  hash: Buffer;
}

/** The only action that may be appended while the vault is locked (so after the checkpoint). */
export const LOCKED_ACTIONS: ReadonlySet<string> = new Set(['vault.unlock']);

function genesisHash(vaultId: Uint8Array): Buffer {
  return createHash('sha256').update(encodeFields('keywarden/v1/audit-genesis', vaultId)).digest();
}

function entryHash(prevHash: Uint8Array, row: Omit<AuditRow, 'prev_hash' | 'hash'>): Buffer {
  return createHash('sha256')
    .update(
      encodeFields(
        'keywarden/v1/audit-entry',
        prevHash,
        row.seq,
        String(row.at),
        String(row.actor),
        String(row.action),
        String(row.target),
        String(row.outcome),
        String(row.detail),
      ),
    )
    .digest();
}

function checkpointMac(
  key: Uint8Array,
  vaultId: Uint8Array,
  seq: number,
  hash: Uint8Array,
  recordSet: Uint8Array,
): Buffer {
  return hmacSha256(
    key,
    encodeFields('keywarden/v1/audit-checkpoint', vaultId, seq, hash, recordSet),
  );
}

/** The key and state a checkpoint binds; present only while the vault is unlocked. */
export interface CheckpointSigner {
  key: Uint8Array;
  /** The record-set accumulator as it stands after the operation being audited. */
  recordSet(): Uint8Array;
}

/**
 * Appends one entry. Call inside the transaction of the operation it records: if this
 * throws, the operation rolls back with it (fail closed). With a signer, the checkpoint
 * moves to the new entry. Throws AUDIT_WRITE_FAILED.
 */
export function appendAudit(
  db: SqlConnection,
  vaultId: Uint8Array,
  event: AuditEvent,
  at: Date,
  signer: CheckpointSigner | null,
): AuditEntry {
  try {
    const last = db
      .prepare<{ seq: number; hash: Buffer }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      )
      .get();
    const row = {
      seq: (last?.seq ?? 0) + 1,
      at: at.toISOString(),
      actor: event.actor,
      action: event.action,
      target: event.target,
      outcome: event.outcome,
      detail: JSON.stringify(event.detail ?? {}),
    };
    const prevHash = last?.hash ?? genesisHash(vaultId);
    const hash = entryHash(prevHash, row);
    db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, target, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      row.seq,
      row.at,
      row.actor,
      row.action,
      row.target,
      row.outcome,
      row.detail,
      prevHash,
      hash,
    );
    if (signer) {
      const mac = checkpointMac(signer.key, vaultId, row.seq, hash, signer.recordSet());
      db.prepare(
        'INSERT INTO audit_checkpoint (singleton, seq, hash, mac) VALUES (1, ?, ?, ?) ON CONFLICT (singleton) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac',
      ).run(row.seq, hash, mac);
    }
    return {
      ...row,
      detail: event.detail ?? {},
      outcome: event.outcome,
      hash: hash.toString('hex'),
    };
  } catch (error) {
    throw new KeywardenError(
      ErrorCode.AUDIT_WRITE_FAILED,
      `The audit record for ${event.action} could not be written, so the operation was not carried out.`,
      { cause: error },
    );
  }
}

/** Lists entries in order, optionally only those from `afterSeq`. */
export function listAudit(
  db: SqlConnection,
  options: { afterSeq?: number; limit?: number } = {},
): AuditEntry[] {
  const rows = db
    .prepare<AuditRow>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(options.afterSeq ?? 0, options.limit ?? -1);
  return rows.map((row) => ({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome,
    detail: parseDetail(row.detail),
    hash: row.hash.toString('hex'),
  }));
}

function parseDetail(text: string): AuditDetail {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as AuditDetail) : {};
  } catch {
    return {};
  }
}

interface Bad {
  seq: number;
  reason: string;
}

/**
 * Checks the entries `rows` (in seq order) continue a chain whose last entry is `startSeq - 1`
 * with hash `prevHash`. Returns the count walked, the last hash, and the first bad entry.
 */
function walkChain(
  rows: Iterable<AuditRow>,
  startSeq: number,
  prevHash: Buffer,
  onEntry?: (row: AuditRow) => Bad | undefined,
): { entries: number; lastHash: Buffer; firstBad?: Bad } {
  let expectedSeq = startSeq;
  let entries = 0;
  for (const row of rows) {
    entries += 1;
    let bad: Bad | undefined;
    if (row.seq !== expectedSeq) {
      bad = {
        seq: row.seq,
        reason: `expected entry #${expectedSeq} here: an entry was deleted, inserted or renumbered`,
      };
    } else if (!equalBytes(row.prev_hash, prevHash)) {
      bad = {
        seq: row.seq,
        reason:
          'it does not follow the previous entry: entries were removed, inserted or reordered',
      };
    } else if (!equalBytes(entryHash(prevHash, row), row.hash)) {
      bad = { seq: row.seq, reason: 'its contents do not match its hash: the entry was edited' };
    } else {
      bad = onEntry?.(row);
    }
    if (bad) return { entries, lastHash: prevHash, firstBad: bad };
    prevHash = row.hash;
    expectedSeq += 1;
  }
  return { entries, lastHash: prevHash };
}

/** Refuses an entry after the checkpoint that a locked vault could not have written. */
function lockedTailRule(row: AuditRow): Bad | undefined {
  if (LOCKED_ACTIONS.has(row.action) && row.outcome === Outcome.FAILURE) return undefined;
  return {
    seq: row.seq,
    reason:
      'it was appended after the last checkpoint but is not a failed unlock attempt: it was inserted',
  };
}

export type AuditScope = 'full' | 'since-checkpoint';

/**
 * Verifies the audit chain. `full` walks every entry from the genesis hash; without a signer
 * that is all it can do (the chain is unkeyed). With a signer it also checks the MAC'd
 * checkpoint (catching a recomputed chain or a truncated log) and that every entry after it
 * is a failed unlock attempt, the only thing a locked vault writes. `since-checkpoint` (the
 * unlock path) checks just the checkpoint entry and what follows it. Never throws on a bad
 * chain: it reports the first bad entry.
 */
export function verifyAudit(
  db: SqlConnection,
  vaultId: Uint8Array,
  signer: CheckpointSigner | null,
  scope: AuditScope = 'full',
): AuditVerification {
  const rows = (afterSeq: number) =>
    db.prepare<AuditRow>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq').iterate(afterSeq);
  const checkpoint = db
    .prepare<{ seq: number; hash: Buffer; mac: Buffer }>(
      'SELECT seq, hash, mac FROM audit_checkpoint',
    )
    .get();
  // The full walk counts every entry; the unlock path reads only the last sequence number
  // (an index lookup), so opening a vault with a long history stays fast.
  const total = Number(
    db
      .prepare<{ n: number | null }>(
        scope === 'full'
          ? 'SELECT count(*) AS n FROM audit_log'
          : 'SELECT max(seq) AS n FROM audit_log',
      )
      .get()?.n ?? 0,
  );
  const report = (firstBad: Bad | undefined, extra: Partial<AuditVerification> = {}) => ({
    intact: firstBad === undefined,
    entries: total,
    ...(firstBad ? { firstBad } : {}),
    checkpoint: 'not-checked' as AuditVerification['checkpoint'],
    uncheckpointed: 0,
    ...extra,
  });

  if (total === 0) {
    return report({
      seq: 1,
      reason: "the log is empty: even the entry recording the vault's creation was removed",
    });
  }
  if (scope === 'full') {
    const walked = walkChain(rows(0), 1, genesisHash(vaultId));
    if (walked.firstBad || !signer) return report(walked.firstBad);
  }
  if (!signer) return report(undefined);
  // Every vault has a checkpoint from its creation on: none means it was removed.
  if (!checkpoint || !Number.isSafeInteger(checkpoint.seq) || checkpoint.seq < 1) {
    return report(
      {
        seq: 1,
        reason: 'the audit checkpoint is missing or invalid: it was altered outside Keywarden',
      },
      { checkpoint: 'missing' },
    );
  }
  const at = { checkpoint: 'verified' as const, checkpointSeq: checkpoint.seq };
  const entry = db.prepare<AuditRow>('SELECT * FROM audit_log WHERE seq = ?').get(checkpoint.seq);
  const mac = checkpointMac(
    signer.key,
    vaultId,
    checkpoint.seq,
    checkpoint.hash,
    signer.recordSet(),
  );
  if (
    !equalBytes(mac, checkpoint.mac) ||
    !entry ||
    !equalBytes(entry.hash, checkpoint.hash) ||
    !equalBytes(entryHash(entry.prev_hash, entry), entry.hash)
  ) {
    return report(
      {
        seq: Math.min(checkpoint.seq, Math.max(total, 1)),
        reason: `the chain up to entry #${checkpoint.seq} does not match its MAC'd checkpoint: the log or the records were rewritten`,
      },
      at,
    );
  }
  const tail = walkChain(rows(checkpoint.seq), checkpoint.seq + 1, checkpoint.hash, lockedTailRule);
  return report(tail.firstBad, { ...at, uncheckpointed: tail.entries - (tail.firstBad ? 1 : 0) });
}
