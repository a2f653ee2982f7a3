import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { AuditVerification, VaultHeader, VaultStatus } from '../../shared/vault-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { appendAudit, Outcome, verifyAudit } from '../audit/audit-log.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import { KDF_DEFAULTS, resolveKdfParams } from './kdf-params.ts';
import type { CalibrationProgress, KdfChoice } from './kdf-params.ts';
import { generateRecoveryKey } from './recovery-key.ts';
import type { RecordMeta, RecordSummary } from './record-store.ts';
import {
  deriveRecoveryKek,
  derivePassphraseKek,
  insertSlot,
  newPassphraseParams,
  newRecoveryParams,
  readSlots,
  SlotKind,
  summarizeSlot,
  validateNewPassphrase,
} from './unlock-slots.ts';
import type { VaultDeps, VaultFile } from './vault-file.ts';
import { auditBrokenError } from './vault-session.ts';
import type { VaultSession } from './vault-session.ts';

// An unlocked vault: records, passphrase and recovery-key changes, whole-file verification
// and lock. Every change runs with its audit entry in one transaction (fail closed).

/** An unlocked vault. Every method throws VAULT_LOCKED after lock(). */
export class UnlockedVault {
  private readonly file: VaultFile;
  private session: VaultSession | null;
  private readonly deps: VaultDeps;

  constructor(file: VaultFile, session: VaultSession, deps: VaultDeps) {
    this.file = file;
    this.session = session;
    this.deps = deps;
  }

  private live(): VaultSession {
    if (!this.session)
      throw new KeywardenError(ErrorCode.VAULT_LOCKED, 'The vault is locked; unlock it first.');
    return this.session;
  }

  get locked(): boolean {
    return this.session === null;
  }

  header(): VaultHeader {
    this.live();
    return this.file.header();
  }

  /**
   * Runs `change` and appends its audit entry in one transaction: both happen or neither
   * (fail closed). Throws whatever `change` throws, or AUDIT_WRITE_FAILED.
   */
  mutate<T>(event: AuditEvent, change: () => T): T {
    const session = this.live();
    try {
      const result = session.db.transaction(() => {
        // Inside the transaction: it holds the write lock, so no other writer slips in
        // between the record set's check and this change.
        session.store.begin();
        const value = change();
        session.store.flush();
        appendAudit(session.db, session.vaultId, event, this.deps.now(), session.signer());
        return value;
      });
      session.store.commit();
      return result;
    } catch (error) {
      session.store.rollback();
      throw error;
    }
  }

  /** Writes a record (new version each time). Throws BAD_REQUEST, RECORD_TAMPERED, AUDIT_WRITE_FAILED. */
  putRecord(
    actor: string,
    collection: string,
    recordId: string,
    meta: RecordMeta,
    body: Uint8Array,
  ): number {
    const store = this.live().store;
    return this.mutate(
      {
        actor,
        action: 'record.put',
        target: `${collection}/${recordId}`,
        outcome: Outcome.SUCCESS,
      },
      () => store.put(collection, recordId, meta, body),
    );
  }

  /** Writes many records in one transaction with one audit entry (imports, benchmarks). */
  putRecords(
    actor: string,
    collection: string,
    records: Array<{ recordId: string; meta: RecordMeta; body: Uint8Array }>,
  ): void {
    const store = this.live().store;
    this.mutate(
      {
        actor,
        action: 'record.put-batch',
        target: collection,
        outcome: Outcome.SUCCESS,
        detail: { count: records.length },
      },
      () => {
        for (const record of records)
          store.put(collection, record.recordId, record.meta, record.body);
      },
    );
  }

  /** Removes a record. Throws RECORD_NOT_FOUND, RECORD_TAMPERED, AUDIT_WRITE_FAILED. */
  deleteRecord(actor: string, collection: string, recordId: string): void {
    const store = this.live().store;
    this.mutate(
      {
        actor,
        action: 'record.delete',
        target: `${collection}/${recordId}`,
        outcome: Outcome.SUCCESS,
      },
      () => store.delete(collection, recordId),
    );
  }

  getRecord(collection: string, recordId: string): RecordSummary {
    return this.live().store.getMeta(collection, recordId);
  }

  /** A record's secret body; audited. The caller zeroes the returned Buffer. */
  readRecordBody(actor: string, collection: string, recordId: string): Buffer {
    const store = this.live().store;
    return this.mutate(
      {
        actor,
        action: 'record.read-secret',
        target: `${collection}/${recordId}`,
        outcome: Outcome.SUCCESS,
      },
      () => store.readBody(collection, recordId),
    );
  }

  listRecords(collection: string): RecordSummary[] {
    return this.live().store.list(collection);
  }

  /**
   * Authenticates the whole file: header, record set, every record's every part, and the
   * audit chain with its checkpoint. Throws the *_TAMPERED codes or AUDIT_CHAIN_BROKEN.
   */
  status(actor: string): VaultStatus {
    const session = this.live();
    const authenticated = session.store.authenticateAll();
    const audit = verifyAudit(session.db, session.vaultId, session.signer());
    if (!audit.intact) throw auditBrokenError(session.db.path, audit);
    this.mutate(
      {
        actor,
        action: 'vault.verify',
        target: session.db.path,
        outcome: Outcome.SUCCESS,
        detail: { records: authenticated },
      },
      () => undefined,
    );
    return {
      header: this.file.header(),
      records: session.store.counts(),
      auditEntries: audit.entries + 1,
      authenticated,
    };
  }

  /** Verifies the audit chain including the MAC'd checkpoint. */
  verifyAudit(): AuditVerification {
    const session = this.live();
    return verifyAudit(session.db, session.vaultId, session.signer());
  }

  /**
   * Replaces the passphrase slot(s) with one for `newPassphrase`, re-wrapping the VMK only:
   * no record is re-encrypted. Throws PASSPHRASE_TOO_SHORT, KDF_PARAMS_INVALID, AUDIT_WRITE_FAILED.
   */
  async changePassphrase(
    actor: string,
    newPassphrase: Uint8Array,
    kdf: KdfChoice | null,
    onProgress?: (p: CalibrationProgress) => void,
  ): Promise<number> {
    validateNewPassphrase(newPassphrase);
    const session = this.live();
    const current = readSlots(session.db).filter((slot) => slot.kind === SlotKind.PASSPHRASE);
    const previous = current[0] ? summarizeSlot(current[0]).kdf : undefined;
    const params = newPassphraseParams(
      kdf
        ? await resolveKdfParams(this.deps.argon2, kdf, onProgress)
        : (previous ??
            (await resolveKdfParams(this.deps.argon2, {
              kind: 'calibrate',
              targetMs: KDF_DEFAULTS.targetMs,
              memoryMiB: KDF_DEFAULTS.memoryMiB,
              parallelism: KDF_DEFAULTS.parallelism,
            }))),
    );
    const kek = await derivePassphraseKek(this.deps.argon2, newPassphrase, params);
    try {
      return this.mutate(
        {
          actor,
          action: 'passphrase.change',
          target: session.db.path,
          outcome: Outcome.SUCCESS,
          detail: {
            replacedSlots: current.length,
            memoryKiB: params.memoryKiB,
            iterations: params.iterations,
          },
        },
        () => {
          for (const slot of current)
            session.db.prepare('DELETE FROM unlock_slots WHERE slot_id = ?').run(slot.slot_id);
          const slotId = insertSlot(
            session.db,
            session.vaultId,
            SlotKind.PASSPHRASE,
            params,
            kek,
            session.vmk,
            this.deps.now().toISOString(),
          );
          session.rewriteHeaderMac();
          return slotId;
        },
      );
    } finally {
      zeroize(kek);
    }
  }

  /**
   * Adds a recovery-key slot and returns the key's text, to be shown once and never stored.
   * Refuses when one exists unless `replace`. Throws RECOVERY_KEY_EXISTS, AUDIT_WRITE_FAILED.
   */
  addRecoveryKey(actor: string, replace: boolean): { slotId: number; recoveryKey: string } {
    const session = this.live();
    const existing = readSlots(session.db).filter((slot) => slot.kind === SlotKind.RECOVERY_KEY);
    if (existing.length > 0 && !replace) {
      throw new KeywardenError(
        ErrorCode.RECOVERY_KEY_EXISTS,
        'This vault already has a recovery key; pass --replace to replace it (the old key stops working).',
      );
    }
    const { secret, text } = generateRecoveryKey();
    const params = newRecoveryParams();
    const kek = deriveRecoveryKek(secret, params);
    try {
      const slotId = this.mutate(
        {
          actor,
          action: 'recovery-key.add',
          target: session.db.path,
          outcome: Outcome.SUCCESS,
          detail: { replacedSlots: existing.length },
        },
        () => {
          for (const slot of existing)
            session.db.prepare('DELETE FROM unlock_slots WHERE slot_id = ?').run(slot.slot_id);
          const id = insertSlot(
            session.db,
            session.vaultId,
            SlotKind.RECOVERY_KEY,
            params,
            kek,
            session.vmk,
            this.deps.now().toISOString(),
          );
          session.rewriteHeaderMac();
          return id;
        },
      );
      return { slotId, recoveryKey: text };
    } finally {
      zeroize(secret, kek);
    }
  }

  /** Records the lock, zeroes every key buffer and closes the file. Safe to call twice. */
  lock(actor: string): void {
    if (!this.session) return;
    try {
      this.mutate(
        { actor, action: 'vault.lock', target: this.session.db.path, outcome: Outcome.SUCCESS },
        () => undefined,
      );
    } finally {
      this.session.zero();
      this.session = null;
      this.file.close();
    }
  }
}
