import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { AuditEntry, AuditVerification, VaultHeader } from '../../shared/vault-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { appendAudit, listAudit, Outcome, verifyAudit } from '../audit/audit-log.ts';
import { APPLICATION_ID } from './format.ts';
import { LATEST_FORMAT_VERSION, migrate } from './migrations.ts';
import { parseRecoveryKey } from './recovery-key.ts';
import {
  deriveRecoveryKek,
  derivePassphraseKek,
  openSlot,
  readSlots,
  summarizeSlot,
} from './unlock-slots.ts';
import type { PassphraseSlotParams, RecoverySlotParams, SlotRow } from './unlock-slots.ts';
import { UnlockedVault } from './unlocked-vault.ts';
import { VaultSession } from './vault-session.ts';
import type { Argon2id } from '../../../native/kdf/kdf.ts';
import type { OpenSqlConnection, SqlConnection } from '../../../native/store/store.ts';

// The opened, locked vault file: its public header, its audit log (readable while locked)
// and unlock, which yields an UnlockedVault.

/** What the vault needs from outside core: SQLite, Argon2id and a clock. */
export interface VaultDeps {
  openSql: OpenSqlConnection;
  argon2: Argon2id;
  now: () => Date;
}

/** One factor offered to unlock; its bytes are the caller's to zero. */
export type UnlockFactor =
  | { kind: 'passphrase'; passphrase: Uint8Array }
  | { kind: 'recovery-key'; recoveryKey: Uint8Array };

interface HeaderRow {
  vault_id: Buffer;
  created_at: string;
}

/**
 * Opens a vault file, locked. Checks that it is a Keywarden vault of a format this build
 * reads, and applies pending migrations (read-write mode). Throws VAULT_NOT_FOUND,
 * NOT_A_VAULT, VAULT_FORMAT_UNSUPPORTED, VAULT_HEADER_TAMPERED, VAULT_CORRUPT,
 * VAULT_READ_ONLY, VAULT_BUSY.
 */
export function openVaultFile(
  deps: VaultDeps,
  path: string,
  mode: 'read-write' | 'read-only' = 'read-write',
): VaultFile {
  const db = deps.openSql(path, mode);
  try {
    if (Number(db.pragmaValue('application_id')) !== APPLICATION_ID) {
      throw new KeywardenError(
        ErrorCode.NOT_A_VAULT,
        `The file ${path} is an SQLite database but not a Keywarden vault; check the path.`,
      );
    }
    const version = Number(db.pragmaValue('user_version'));
    if (version > LATEST_FORMAT_VERSION || mode === 'read-write') migrate(db);
    else if (version < LATEST_FORMAT_VERSION) {
      throw new KeywardenError(
        ErrorCode.VAULT_FORMAT_UNSUPPORTED,
        `The vault ${path} needs migrating from format ${version}; open it read-write once.`,
      );
    }
    return new VaultFile(deps, db);
  } catch (error) {
    db.close();
    throw error;
  }
}

export class VaultFile {
  private readonly deps: VaultDeps;
  readonly db: SqlConnection;
  private readonly headerRow: HeaderRow;

  /** Reads the header row. Throws VAULT_HEADER_TAMPERED when there is none. */
  constructor(deps: VaultDeps, db: SqlConnection) {
    this.deps = deps;
    this.db = db;
    const row = db
      .prepare<HeaderRow>('SELECT vault_id, created_at FROM vault_header WHERE singleton = 1')
      .get();
    if (!row) {
      throw new KeywardenError(
        ErrorCode.VAULT_HEADER_TAMPERED,
        `The vault ${db.path} has no header: it was damaged or altered. Restore it from a backup.`,
      );
    }
    this.headerRow = row;
  }

  get vaultId(): Buffer {
    return this.headerRow.vault_id;
  }

  /** The public header: format, id and slots. */
  header(): VaultHeader {
    return {
      path: this.db.path,
      vaultId: this.headerRow.vault_id.toString('hex'),
      formatVersion: Number(this.db.pragmaValue('user_version')),
      createdAt: this.headerRow.created_at,
      slots: readSlots(this.db).map(summarizeSlot),
    };
  }

  /** Verifies the whole audit chain without the key (the checkpoint is then not checked). */
  verifyAuditChain(): AuditVerification {
    return verifyAudit(this.db, this.vaultId, null);
  }

  /** Lists audit entries; the log is readable while locked. */
  listAudit(options: { afterSeq?: number; limit?: number } = {}): AuditEntry[] {
    return listAudit(this.db, options);
  }

  /** Tries every slot of the factor's kind; returns the VMK (caller zeroes it) and the slot. */
  private async openWith(factor: UnlockFactor, slots: SlotRow[]) {
    let badParams = false;
    let recoverySecret: Buffer | null = null;
    try {
      if (factor.kind === 'recovery-key') {
        recoverySecret = parseRecoveryKey(Buffer.from(factor.recoveryKey).toString('utf8'));
      }
      const secret = recoverySecret;
      for (const slot of slots) {
        const result = await openSlot(slot, this.vaultId, (params) =>
          factor.kind === 'passphrase'
            ? derivePassphraseKek(
                this.deps.argon2,
                factor.passphrase,
                params as PassphraseSlotParams,
              )
            : deriveRecoveryKek(secret ?? Buffer.alloc(0), params as RecoverySlotParams),
        );
        if (result === 'invalid-params') badParams = true;
        else if (result) return { vmk: result, slot, badParams };
      }
      return { vmk: null, slot: null, badParams };
    } finally {
      zeroize(recoverySecret);
    }
  }

  /**
   * Unlocks with one factor. A wrong factor is audited (while locked) and throws
   * PASSPHRASE_INCORRECT or RECOVERY_KEY_INCORRECT (RECOVERY_KEY_MALFORMED for a typo); a
   * header, record set or audit chain that fails authentication throws
   * VAULT_HEADER_TAMPERED, RECORD_TAMPERED or AUDIT_CHAIN_BROKEN; an audit write that fails
   * throws AUDIT_WRITE_FAILED and leaves the vault locked. Everything derived from the
   * factor is zeroed here.
   */
  async unlock(factor: UnlockFactor, actor: string): Promise<UnlockedVault> {
    const slots = readSlots(this.db).filter((slot) => slot.kind === factor.kind);
    if (slots.length === 0) {
      throw new KeywardenError(
        ErrorCode.SLOT_NOT_FOUND,
        `This vault has no ${factor.kind} slot; unlock it with another factor.`,
      );
    }
    const opened = await this.openWith(factor, slots);
    if (!opened.vmk || !opened.slot) {
      const code =
        factor.kind === 'passphrase'
          ? ErrorCode.PASSPHRASE_INCORRECT
          : ErrorCode.RECOVERY_KEY_INCORRECT;
      this.db.transaction(() =>
        appendAudit(
          this.db,
          this.vaultId,
          {
            actor,
            action: 'vault.unlock',
            target: this.db.path,
            outcome: Outcome.FAILURE,
            detail: { factor: factor.kind, error: code },
          },
          this.deps.now(),
          null,
        ),
      );
      if (opened.badParams) {
        throw new KeywardenError(
          ErrorCode.VAULT_HEADER_TAMPERED,
          `An unlock slot of ${this.db.path} has impossible parameters: the header was altered. Restore it from a backup.`,
        );
      }
      throw new KeywardenError(
        code,
        factor.kind === 'passphrase'
          ? 'The passphrase is incorrect. The attempt was recorded in the audit log.'
          : 'The recovery key does not open this vault. The attempt was recorded in the audit log.',
      );
    }
    const session = new VaultSession(this.db, this.vaultId, opened.vmk);
    zeroize(opened.vmk);
    try {
      session.authenticate();
      const unlocked = new UnlockedVault(this, session, this.deps);
      unlocked.mutate(
        {
          actor,
          action: 'vault.unlock',
          target: this.db.path,
          outcome: Outcome.SUCCESS,
          detail: { factor: factor.kind, slot: opened.slot.slot_id },
        },
        () => undefined,
      );
      return unlocked;
    } catch (error) {
      session.zero();
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }
}
