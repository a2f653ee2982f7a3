import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';
import { deriveSubkey, SubkeyLabel } from '../crypto/subkeys.ts';
import { verifyAudit } from '../audit/audit-log.ts';
import type { AuditVerification, CheckpointSigner } from '../audit/audit-log.ts';
import { RecordStore } from './record-store.ts';
import { computeHeaderMac, readSlots } from './unlock-slots.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// The keys of an unlocked vault and what they open: the VMK, its subkeys and the record
// store. zero() clears every key buffer; nothing else keeps a copy.

/** Says what to do about a broken audit chain, naming the first bad entry. */
export function auditBrokenError(path: string, audit: AuditVerification): KeywardenError {
  return new KeywardenError(
    ErrorCode.AUDIT_CHAIN_BROKEN,
    `The audit log of ${path} is broken at entry #${audit.firstBad?.seq ?? '?'}: ${audit.firstBad?.reason ?? 'unknown'}. Keep this file as evidence and restore the vault from a backup.`,
  );
}

/** The VMK, its subkeys and the record store of one unlocked vault. */
export class VaultSession {
  readonly db: SqlConnection;
  readonly vaultId: Buffer;
  readonly vmk: Buffer;
  readonly headerKey: Buffer;
  readonly auditKey: Buffer;
  readonly store: RecordStore;

  /** Derives every subkey from `vmk` and keeps a private copy of it; the caller zeroes its own. */
  constructor(db: SqlConnection, vaultId: Buffer, vmk: Buffer) {
    this.db = db;
    this.vaultId = vaultId;
    this.vmk = Buffer.from(vmk);
    this.headerKey = deriveSubkey(vmk, vaultId, SubkeyLabel.HEADER_MAC);
    this.auditKey = deriveSubkey(vmk, vaultId, SubkeyLabel.AUDIT_CHECKPOINT);
    this.store = new RecordStore(db, vaultId, {
      dekWrap: deriveSubkey(vmk, vaultId, SubkeyLabel.DEK_WRAP),
      metadata: deriveSubkey(vmk, vaultId, SubkeyLabel.METADATA),
      recordSet: deriveSubkey(vmk, vaultId, SubkeyLabel.RECORD_SET),
    });
  }

  /** What the audit checkpoint is MAC'd with: the audit key and the current record set. */
  signer(): CheckpointSigner {
    return { key: this.auditKey, recordSet: () => this.store.set.current() };
  }

  private headerMac(): Buffer {
    const row = this.db
      .prepare<{ created_at: string }>('SELECT created_at FROM vault_header WHERE singleton = 1')
      .get();
    return computeHeaderMac(
      this.headerKey,
      this.vaultId,
      row?.created_at ?? '',
      readSlots(this.db),
    );
  }

  /** Recomputes the header MAC after a slot change; call inside that change's transaction. */
  rewriteHeaderMac(): void {
    this.db
      .prepare('UPDATE vault_header SET header_mac = ? WHERE singleton = 1')
      .run(this.headerMac());
  }

  /**
   * Checks, at unlock, the header MAC, the record set and the audit chain from its MAC'd
   * checkpoint on, all in one transaction so that another process's commit cannot fall
   * between reading the header and scanning the records. Throws VAULT_HEADER_TAMPERED,
   * RECORD_TAMPERED or AUDIT_CHAIN_BROKEN.
   */
  authenticate(): void {
    this.db.transaction(() => {
      const row = this.db
        .prepare<{ header_mac: Buffer; record_set: Buffer }>(
          'SELECT header_mac, record_set FROM vault_header WHERE singleton = 1',
        )
        .get();
      if (!row || !equalBytes(this.headerMac(), row.header_mac)) {
        throw new KeywardenError(
          ErrorCode.VAULT_HEADER_TAMPERED,
          `The header of ${this.db.path} fails authentication: unlock slots were added, removed or altered outside Keywarden. Restore it from a backup.`,
        );
      }
      this.store.set.load(row.record_set);
      const audit = verifyAudit(this.db, this.vaultId, this.signer(), 'since-checkpoint');
      if (!audit.intact) throw auditBrokenError(this.db.path, audit);
    });
  }

  /** Zeroes the VMK and every subkey (on lock, and on any failed unlock or init). */
  zero(): void {
    zeroize(this.vmk, this.headerKey, this.auditKey);
    this.store.close();
  }
}
