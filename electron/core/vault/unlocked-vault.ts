import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type {
  AuditEntry,
  AuditVerification,
  VaultHeader,
  VaultStatus,
} from '../../shared/vault-types.ts';
import { equalBytes } from '../crypto/bytes.ts';
import { appendAudit, Outcome, verifyAudit } from '../audit/audit-log.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { CalibrationProgress, KdfChoice } from './kdf-params.ts';
import type { RecordMeta, RecordStore, RecordSummary } from './record-store.ts';
import { insertSlot, readSlots } from './unlock-slots.ts';
import type { SlotParams, SlotRow } from './unlock-slots.ts';
import { addRecoveryKey, changePassphrase, reauthenticate } from './passphrase-slots.ts';
import { addKeychainSlot } from './keychain-slots.ts';
import { removeSlot } from './slot-removal.ts';
import type { SlotAdded, SlotRemoval } from '../../shared/vault-types.ts';
import type { UnlockFactor, VaultDeps, VaultFile } from './vault-file.ts';
import { carryRider } from './transaction-riders.ts';
import { addFactorSlot, confirmFresh, renameSlot } from './slot-management.ts';
import type { AddSlotRequest } from './slot-management.ts';
import type { PolicySlotParams } from './policy-slots.ts';
import { auditBrokenError } from './vault-session.ts';
import type { VaultSession } from './vault-session.ts';

// An unlocked vault: records, passphrase and recovery-key changes, whole-file verification
// and lock. Every change runs with its audit entry in one transaction (fail closed); a
// change that fails is recorded as a failure in a transaction of its own. Reads run in one
// snapshot, after taking in what another process may have committed.

/** What a change of the unlock slots may do, inside its transaction (see editSlots). */
export interface SlotEditor {
  list(): SlotRow[];
  /** Wraps the VMK under `kek` in a new slot; returns its id. `kek` is the caller's to zero. */
  insert(
    kind: string,
    params: SlotParams | PolicySlotParams,
    kek: Uint8Array,
    name?: string | null,
  ): number;
  remove(slotId: number): void;
  rename(slotId: number, name: string | null): void;
}

/** An unlocked vault. Every method throws VAULT_LOCKED after lock(). */
export class UnlockedVault {
  private readonly file: VaultFile;
  private session: VaultSession | null;
  private readonly deps: VaultDeps;
  /** When this unlock happened: slot changes soon after need no factor again. */
  readonly unlockedAt: Date;
  /** The slot this unlock opened: a passphrase change replaces that passphrase slot. */
  #openedSlotId: number;
  /** Slots seen to open the vault in this session: opened, offered again, or added. */
  readonly #working = new Set<number>();

  constructor(file: VaultFile, session: VaultSession, deps: VaultDeps, openedSlotId: number) {
    this.file = file;
    this.session = session;
    this.deps = deps;
    this.unlockedAt = deps.now();
    this.#openedSlotId = openedSlotId;
    this.#working.add(openedSlotId);
  }

  /** The slot this unlock opened (after a passphrase change, the slot that replaced it). */
  get openedSlotId(): number {
    return this.#openedSlotId;
  }

  /** Whether slot `slotId` was seen to open the vault in this session. */
  isWorking(slotId: number): boolean {
    return this.#working.has(slotId);
  }

  /**
   * Records that slot `slotId` opens the vault (it was just opened or added), and that it took
   * the place of slot `replaced` when given.
   */
  slotWorks(slotId: number, replaced?: number): void {
    this.#working.add(slotId);
    if (replaced !== undefined && replaced === this.#openedSlotId) this.#openedSlotId = slotId;
  }

  private live(): VaultSession {
    if (!this.session) {
      throw new KeywardenError(ErrorCode.VAULT_LOCKED, 'The vault is locked; unlock it first.');
    }
    return this.session;
  }

  get locked(): boolean {
    return this.session === null;
  }

  /** The vault file's path. Throws VAULT_LOCKED. */
  get path(): string {
    return this.live().db.path;
  }

  /** The public header. Throws VAULT_LOCKED, VAULT_HEADER_TAMPERED. */
  header(): VaultHeader {
    this.live();
    return this.file.header();
  }

  /**
   * Runs `change` and appends its audit entry in one transaction: both happen or neither
   * (fail closed). When `change` fails, a failure entry is appended on its own. Throws
   * whatever `change` throws, or AUDIT_WRITE_FAILED.
   */
  mutate<T>(event: AuditEvent, change: () => T): T {
    const session = this.live();
    let unseat = () => undefined as void;
    try {
      const result = session.db.transaction(() => {
        // Inside the transaction: it holds the write lock, so no other writer slips in
        // between the record set's check and this change.
        session.store.set.begin();
        const value = change();
        unseat = carryRider(session.store, value);
        session.store.set.flush();
        appendAudit(session.db, session.vaultId, event, this.deps.now(), session.signer());
        return value;
      });
      session.store.set.commit();
      return result;
    } catch (error) {
      session.store.set.rollback();
      unseat();
      this.recordFailure(event, error);
      throw error;
    }
  }

  /**
   * Appends `event` as a failure with the error's code, in a transaction of its own (for an
   * operation refused before its transaction began). Best effort: the caller rethrows the
   * original error, which is what a person must see.
   */
  recordFailure(event: AuditEvent, error: unknown): void {
    const code = error instanceof KeywardenError ? error.code : ErrorCode.INTERNAL;
    const session = this.session;
    if (!session || code === ErrorCode.AUDIT_WRITE_FAILED) return;
    const failure = {
      ...event,
      outcome: Outcome.FAILURE,
      detail: { ...event.detail, error: code },
    };
    try {
      session.db.transaction(() =>
        appendAudit(session.db, session.vaultId, failure, this.deps.now(), session.signer()),
      );
    } catch {
      // The log itself may be what failed.
    }
  }

  /** Runs reads in one snapshot, after taking in other processes' commits. */
  private read<T>(fn: (session: VaultSession) => T): T {
    const session = this.live();
    return session.db.readTransaction(() => {
      session.store.set.sync();
      return fn(session);
    });
  }

  /**
   * Runs a change of several records as one audited transaction (the domain's operations:
   * generate a key, record a transition). `change` gets the record store; its audit entry is
   * `event`. Throws whatever `change` throws, AUDIT_WRITE_FAILED, VAULT_LOCKED.
   */
  apply<T>(event: AuditEvent, change: (records: RecordStore) => T): T {
    const store = this.live().store;
    return this.mutate(event, () => change(store));
  }

  /**
   * Flushes the write-ahead log into the file and truncates it, so removed ciphertext leaves
   * no older page image behind (secure_delete has already overwritten the freed pages in the
   * file). Best effort: returns false while another connection is reading.
   */
  purgeRemovedPages(): boolean {
    return this.live().db.checkpoint();
  }

  /**
   * Reads in one snapshot of the file (after taking in other processes' commits). Throws
   * whatever `read` throws, VAULT_LOCKED.
   */
  query<T>(read: (records: RecordStore) => T): T {
    return this.read((session) => read(session.store));
  }

  /**
   * Writes a record (a new version each time). Throws BAD_REQUEST, RECORD_TAMPERED,
   * AUDIT_WRITE_FAILED, VAULT_LOCKED.
   */
  putRecord(
    actor: string,
    collection: string,
    recordId: string,
    meta: RecordMeta,
    body: Uint8Array,
  ): number {
    const store = this.live().store;
    const event = {
      actor,
      action: 'record.put',
      target: `${collection}/${recordId}`,
      outcome: Outcome.SUCCESS,
    };
    return this.mutate(event, () => store.put(collection, recordId, meta, body));
  }

  /**
   * Writes many records in one transaction with one audit entry (imports, benchmarks).
   * Throws as putRecord; on any error none is written.
   */
  putRecords(
    actor: string,
    collection: string,
    records: Array<{ recordId: string; meta: RecordMeta; body: Uint8Array }>,
  ): void {
    const store = this.live().store;
    const event = {
      actor,
      action: 'record.put-batch',
      target: collection,
      outcome: Outcome.SUCCESS,
      detail: { count: records.length },
    };
    this.mutate(event, () => {
      for (const record of records)
        store.put(collection, record.recordId, record.meta, record.body);
    });
  }

  /** Deletes a record. Throws BAD_REQUEST, RECORD_NOT_FOUND, RECORD_TAMPERED, AUDIT_WRITE_FAILED, VAULT_LOCKED. */
  deleteRecord(actor: string, collection: string, recordId: string): void {
    const store = this.live().store;
    const event = {
      actor,
      action: 'record.delete',
      target: `${collection}/${recordId}`,
      outcome: Outcome.SUCCESS,
    };
    this.mutate(event, () => store.delete(collection, recordId));
  }

  /** A record's metadata. Throws BAD_REQUEST, RECORD_NOT_FOUND, RECORD_TAMPERED, VAULT_LOCKED. */
  getRecord(collection: string, recordId: string): RecordSummary {
    return this.read((session) => session.store.getMeta(collection, recordId));
  }

  /**
   * A record's secret body; the read is audited. The caller zeroes the returned Buffer.
   * Throws as getRecord, and AUDIT_WRITE_FAILED.
   */
  readRecordBody(actor: string, collection: string, recordId: string): Buffer {
    const store = this.live().store;
    const event = {
      actor,
      action: 'record.read-secret',
      target: `${collection}/${recordId}`,
      outcome: Outcome.SUCCESS,
    };
    return this.mutate(event, () => store.readBody(collection, recordId));
  }

  /** Every live record of a collection with its metadata. Throws RECORD_TAMPERED, VAULT_LOCKED. */
  listRecords(collection: string): RecordSummary[] {
    return this.read((session) => session.store.list(collection));
  }

  /**
   * Authenticates the whole file: header, record set, every part of every record, and the
   * whole audit chain with its checkpoint; the check is audited. Throws RECORD_TAMPERED,
   * AUDIT_CHAIN_BROKEN, AUDIT_WRITE_FAILED, VAULT_LOCKED.
   */
  status(actor: string): VaultStatus {
    const path = this.live().db.path;
    const event = { actor, action: 'vault.verify', target: path, outcome: Outcome.SUCCESS };
    let checked;
    try {
      checked = this.read((session) => {
        const records = session.store.authenticateAll();
        const audit = verifyAudit(session.db, session.vaultId, session.signer());
        if (!audit.intact) throw auditBrokenError(path, audit);
        return { ...records, auditEntries: audit.entries };
      });
    } catch (error) {
      this.recordFailure(event, error);
      throw error;
    }
    this.mutate({ ...event, detail: { records: checked.authenticated } }, () => undefined);
    return {
      header: this.file.header(),
      records: checked.counts,
      auditEntries: checked.auditEntries + 1,
      authenticated: checked.authenticated,
    };
  }

  /** Verifies the whole audit chain including the MAC'd checkpoint. Throws VAULT_LOCKED. */
  verifyAudit(): AuditVerification {
    return this.read((session) => verifyAudit(session.db, session.vaultId, session.signer()));
  }

  /**
   * Runs a change of the unlock slots as one audited transaction and rewrites the header MAC
   * after it; the VMK never leaves this object. Throws whatever `change` throws,
   * AUDIT_WRITE_FAILED, VAULT_LOCKED.
   */
  editSlots<T>(event: AuditEvent, change: (slots: SlotEditor) => T): T {
    const session = this.live();
    const editor: SlotEditor = {
      list: () => readSlots(session.db),
      insert: (kind, params, kek, name = null) =>
        insertSlot(
          session.db,
          session.vaultId,
          kind,
          params as SlotParams,
          kek,
          session.vmk,
          this.deps.now().toISOString(),
          name,
        ),
      remove: (slotId) => {
        session.db.prepare('DELETE FROM unlock_slots WHERE slot_id = ?').run(slotId);
      },
      rename: (slotId, name) => {
        session.db.prepare('UPDATE unlock_slots SET name = ? WHERE slot_id = ?').run(name, slotId);
      },
    };
    return this.mutate(event, () => {
      const result = change(editor);
      session.rewriteHeaderMac();
      return result;
    });
  }

  /** Lists audit entries. Throws VAULT_LOCKED. */
  listAudit(options: { afterSeq?: number; limit?: number } = {}): AuditEntry[] {
    this.live();
    return this.file.listAudit(options);
  }

  /** The vault's unlock slots, as stored. Throws VAULT_LOCKED, VAULT_HEADER_TAMPERED. */
  slotRows(): SlotRow[] {
    return readSlots(this.live().db);
  }

  /** The vault id. Throws VAULT_LOCKED. */
  get vaultId(): Buffer {
    return this.live().vaultId;
  }

  /** Whether `vmk` is this vault's master key (constant time). Throws VAULT_LOCKED. */
  holdsVmk(vmk: Uint8Array): boolean {
    return equalBytes(this.live().vmk, vmk);
  }

  /**
   * Adds an OS keychain slot through the injected sealer (see keychain-slots.ts). Needs a fresh
   * unlock. Throws REAUTH_REQUIRED, KEYCHAIN_UNAVAILABLE, AUDIT_WRITE_FAILED, VAULT_LOCKED.
   */
  async addKeychainSlot(
    actor: string,
    reauth?: readonly UnlockFactor[],
  ): Promise<{ slotId: number; sealer: string }> {
    await confirmFresh(this, this.deps, actor, 'keychain.add', reauth);
    const added = await addKeychainSlot(this, this.deps.keychain, actor);
    this.slotWorks(added.slotId);
    return added;
  }

  /** Adds a slot of enrolled factors (see slot-management.ts). Needs a fresh unlock. */
  addSlot(
    actor: string,
    request: AddSlotRequest,
    reauth?: readonly UnlockFactor[],
  ): Promise<SlotAdded> {
    return addFactorSlot(this, this.deps, actor, request, reauth);
  }

  /** Names or unnames a slot (see slot-management.ts). Needs a fresh unlock. */
  renameSlot(
    actor: string,
    slotId: number,
    name: string | null,
    reauth?: readonly UnlockFactor[],
  ): Promise<void> {
    return renameSlot(this, this.deps, actor, slotId, name, reauth);
  }

  /**
   * Removes unlock slot `slotId`, never the last one (see slot-removal.ts). Needs a fresh
   * unlock. Throws REAUTH_REQUIRED, SLOT_NOT_FOUND, SLOT_LAST_REMAINING, AUDIT_WRITE_FAILED,
   * VAULT_LOCKED.
   */
  async removeSlot(
    actor: string,
    slotId: number,
    reauth?: readonly UnlockFactor[],
  ): Promise<SlotRemoval> {
    await confirmFresh(this, this.deps, actor, 'slot.remove', reauth);
    return removeSlot(this, this.deps.keychain, actor, slotId);
  }

  /** See passphrase-slots.ts. */
  reauthenticate(actor: string, passphrase: Uint8Array, action: string): Promise<void> {
    return reauthenticate(this, this.deps, actor, passphrase, action);
  }

  /** Replaces a passphrase slot; see passphrase-slots.ts. Needs a fresh unlock. */
  changePassphrase(
    actor: string,
    newPassphrase: Uint8Array,
    kdf: KdfChoice | null,
    onProgress?: (progress: CalibrationProgress) => void,
    reauth?: readonly UnlockFactor[],
  ): Promise<number> {
    return changePassphrase(this, this.deps, actor, { newPassphrase, kdf, onProgress, reauth });
  }

  /** Adds a recovery-key slot; see passphrase-slots.ts. Needs a recent unlock. */
  addRecoveryKey(actor: string, replace: boolean): { slotId: number; recoveryKey: string } {
    return addRecoveryKey(this, this.deps, actor, replace);
  }

  /**
   * Records the lock, zeroes every key buffer and closes the file. Safe to call twice; the
   * keys are zeroed even when the audit entry cannot be written (then AUDIT_WRITE_FAILED).
   */
  lock(actor: string): void {
    const session = this.session;
    if (!session) return;
    try {
      this.mutate(
        { actor, action: 'vault.lock', target: session.db.path, outcome: Outcome.SUCCESS },
        () => undefined,
      );
    } finally {
      session.zero();
      this.session = null;
      this.file.close();
    }
  }
}
