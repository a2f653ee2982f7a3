import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAudit,
  listAudit,
  Outcome,
  verifyAudit,
} from '../../../electron/core/audit/audit-log.ts';
import { MIGRATIONS, migrate } from '../../../electron/core/vault/migrations.ts';
import { openSqlConnection } from '../../../native/store/sqlite-store.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// The audit chain on an in-memory SQLite database: appends, the checkpoint and what
// verification reports.

const vaultId = Buffer.alloc(16, 1);
const recordSet = Buffer.alloc(32, 2);
const signer = { key: Buffer.alloc(32, 3), recordSet: () => recordSet };
const at = new Date('2026-01-01T00:00:00Z');
let db: SqlConnection;

function append(
  action: string,
  options: { signed?: boolean; outcome?: 'success' | 'failure' } = {},
) {
  return db.transaction(() =>
    appendAudit(
      db,
      vaultId,
      {
        actor: 'alice',
        action,
        target: 'v',
        outcome: options.outcome ?? Outcome.SUCCESS,
        detail: { n: 1 },
      },
      at,
      options.signed === false ? null : signer,
    ),
  );
}

beforeEach(() => {
  db = openSqlConnection(':memory:', 'create');
  migrate(db, MIGRATIONS);
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
});
afterEach(() => db.close());

describe('the audit chain', () => {
  it('numbers entries from 1 and links each to the one before', () => {
    append('vault.init');
    append('record.put');
    const entries = listAudit(db);
    expect(entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(entries[1]).toMatchObject({
      actor: 'alice',
      action: 'record.put',
      outcome: 'success',
      detail: { n: 1 },
    });
    expect(verifyAudit(db, vaultId, signer)).toMatchObject({
      intact: true,
      entries: 2,
      checkpoint: 'verified',
      checkpointSeq: 2,
    });
  });

  it('reports an empty log as broken: a vault always records its creation', () => {
    expect(verifyAudit(db, vaultId, null)).toMatchObject({ intact: false, firstBad: { seq: 1 } });
  });

  it('names the first edited entry without the key', () => {
    append('vault.init');
    append('record.put');
    append('record.put');
    db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
    expect(verifyAudit(db, vaultId, null)).toMatchObject({ intact: false, firstBad: { seq: 2 } });
  });

  it('catches a chain recomputed by a forger only with the key', () => {
    append('vault.init');
    append('record.put');
    // Drop the last entry and its checkpoint link: an unkeyed chain cannot tell.
    db.exec('DELETE FROM audit_log WHERE seq = 2');
    expect(verifyAudit(db, vaultId, null).intact).toBe(true);
    expect(verifyAudit(db, vaultId, signer)).toMatchObject({ intact: false });
  });

  it('binds the record set into the checkpoint', () => {
    append('vault.init');
    const other = { ...signer, recordSet: () => Buffer.alloc(32, 7) };
    expect(verifyAudit(db, vaultId, other).intact).toBe(false);
  });

  it('accepts failed unlocks after the checkpoint, and nothing else', () => {
    append('vault.init');
    append('vault.unlock', { signed: false, outcome: 'failure' });
    expect(verifyAudit(db, vaultId, signer)).toMatchObject({ intact: true, uncheckpointed: 1 });
    append('record.put', { signed: false });
    expect(verifyAudit(db, vaultId, signer)).toMatchObject({ intact: false, firstBad: { seq: 3 } });
  });

  it('checks only the checkpoint onwards when asked (the unlock path)', () => {
    append('vault.init');
    append('record.put');
    append('record.put');
    db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1");
    expect(verifyAudit(db, vaultId, signer, 'since-checkpoint').intact).toBe(true);
    expect(verifyAudit(db, vaultId, signer, 'full')).toMatchObject({
      intact: false,
      firstBad: { seq: 1 },
    });
  });

  it('fails closed: an append that cannot be written throws AUDIT_WRITE_FAILED', () => {
    append('vault.init');
    db.exec('DROP TABLE audit_checkpoint');
    expect(() => append('record.put')).toThrow(
      expect.objectContaining({ code: 'AUDIT_WRITE_FAILED' }),
    );
    expect(listAudit(db)).toHaveLength(1);
  });
});
