import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { AuditEntry, AuditVerification, VaultHeader } from '../../shared/vault-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { appendAudit, listAudit, Outcome, verifyAudit } from '../audit/audit-log.ts';
import { APPLICATION_ID } from './format.ts';
import { LATEST_FORMAT_VERSION, migrate, verifySchema } from './migrations.ts';
import { readSlots } from './unlock-slots.ts';
import type { SlotRow } from './unlock-slots.ts';
import { summarizeSlot } from './slot-summary.ts';
import { UnlockedVault } from './unlocked-vault.ts';
import { openWithOffers } from './slot-opening.ts';
import { VaultSession } from './vault-session.ts';
import type { FactorDevices, OfferedFactor } from './factor-types.ts';
import type { OpenSqlConnection, SqlConnection } from '../../../native/store/store.ts';

// The opened, locked vault file: its public header, its audit log (readable while locked)
// and unlock, which yields an UnlockedVault.

/**
 * What the vault needs from outside core: SQLite, a clock, and the factors' devices and
 * keepers (Argon2id, the OS keychain, and where present the TPM, PKCS#11 tokens and HID
 * tokens).
 */
export interface VaultDeps extends FactorDevices {
  openSql: OpenSqlConnection;
  now: () => Date;
}

/** One factor offered to unlock; its bytes are the caller's to zero. */
export type UnlockFactor = OfferedFactor;

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
    if (version > LATEST_FORMAT_VERSION) migrate(db); // refuses, naming both versions
    verifySchema(db, deps.openSql);
    if (version < LATEST_FORMAT_VERSION) {
      if (mode === 'read-only') {
        throw new KeywardenError(
          ErrorCode.VAULT_FORMAT_UNSUPPORTED,
          `The vault ${path} needs migrating from format ${version}: unlock it once (for example with keywarden status and an unlock option) to bring it up to date.`,
        );
      }
      migrate(db);
    }
    return new VaultFile(deps, db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Only slot `slotId`, when the person names the slot to try. Throws SLOT_NOT_FOUND. */
function chosenSlot(slots: SlotRow[], slotId: number): SlotRow[] {
  const chosen = slots.filter((slot) => slot.slot_id === slotId);
  if (chosen.length === 0) {
    throw new KeywardenError(
      ErrorCode.SLOT_NOT_FOUND,
      `This vault has no unlock slot #${slotId}; "keywarden slots list" shows them.`,
    );
  }
  return chosen;
}

/** An opened, locked vault file: its header and audit log, and unlock. */
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

  /**
   * Unlocks with the factors offered (one, or several for a combined or quorum slot): opens a
   * slot (see slot-opening.ts), then authenticates the header, the record set and the audit
   * chain from its checkpoint on. Every failed attempt is recorded in the audit log (while
   * locked) with its code. Throws the slot codes (SLOT_NOT_FOUND, FACTOR_MISSING,
   * QUORUM_NOT_MET, PASSPHRASE_INCORRECT, RECOVERY_KEY_INCORRECT, RECOVERY_KEY_MALFORMED,
   * FACTOR_INCORRECT, the keychain, TPM, token and PIN codes), VAULT_HEADER_TAMPERED,
   * RECORD_TAMPERED, AUDIT_CHAIN_BROKEN, and AUDIT_WRITE_FAILED (the success could not be
   * recorded: the vault stays locked). Everything derived from the factors is zeroed here;
   * their own bytes are the caller's to zero. With `options.slotId` only that slot is tried:
   * where two slots take the same factor with different PINs (two people's TPM PIN slots),
   * naming the slot spares the other slot a wrong-PIN try (a PIN that failed is not offered to
   * a second slot in the same unlock, which would spend another try).
   */
  async unlock(
    offered: UnlockFactor | readonly UnlockFactor[],
    actor: string,
    options: { slotId?: number } = {},
  ): Promise<UnlockedVault> {
    const factors: readonly UnlockFactor[] = Array.isArray(offered)
      ? offered
      : [offered as UnlockFactor];
    const factorNames = factors.map((factor) => factor.kind).join('+');
    let session: VaultSession | null = null;
    try {
      const all = readSlots(this.db);
      const { vmk, slot } = await openWithOffers(
        options.slotId === undefined ? all : chosenSlot(all, options.slotId),
        this.vaultId,
        factors,
        this.deps,
      );
      session = new VaultSession(this.db, this.vaultId, vmk);
      zeroize(vmk);
      session.authenticate();
      const unlocked = new UnlockedVault(this, session, this.deps, slot.slot_id);
      const detail = { factor: factorNames, slot: slot.slot_id };
      const event = {
        actor,
        action: 'vault.unlock',
        target: this.db.path,
        outcome: Outcome.SUCCESS,
        detail,
      };
      unlocked.mutate(event, () => undefined);
      return unlocked;
    } catch (error) {
      session?.zero();
      const code = error instanceof KeywardenError ? error.code : ErrorCode.INTERNAL;
      if (code !== ErrorCode.AUDIT_WRITE_FAILED) this.recordFailedUnlock(actor, factorNames, code);
      throw error;
    }
  }

  /** Appends a failed unlock, unsigned (the vault is locked). Best effort: the caller rethrows. */
  private recordFailedUnlock(actor: string, factor: string, code: ErrorCode): void {
    const event = {
      actor,
      action: 'vault.unlock',
      target: this.db.path,
      outcome: Outcome.FAILURE,
      detail: { factor, error: code },
    };
    try {
      this.db.transaction(() => appendAudit(this.db, this.vaultId, event, this.deps.now(), null));
    } catch {
      // A read-only or damaged file cannot take the entry; the unlock error is what matters.
    }
  }

  /** Closes the file (an UnlockedVault's lock() does this for it). */
  close(): void {
    this.db.close();
  }
}
