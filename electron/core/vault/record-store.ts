import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { equalBytes, zeroize } from '../crypto/bytes.ts';
import { open, seal } from '../crypto/aead.ts';
import { recordAad } from './format.ts';
import { emptyRecordSet, toggleRecords } from './record-set.ts';
import type { RecordAddress } from './record-set.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// Envelope-encrypted records. A record has public-to-nobody metadata (sealed under the
// vault's metadata key, so a list needs one AEAD open per record) and a secret body sealed
// under a data key (DEK) of its own, which is wrapped by the VMK-derived wrap key. Every
// AAD binds vault id, collection (table), record id and version, so a record moved, swapped
// or replayed under another id fails to open.
//
// Rollback of a single record (an older version with its older, valid ciphertext) is caught
// by the record set (record-set.ts), checked at unlock and bound into the audit checkpoint.

const COLLECTION_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const RECORD_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_BODY_BYTES = 1024 * 1024;

export type RecordMeta = Record<string, unknown>;

export interface RecordSummary {
  collection: string;
  recordId: string;
  version: number;
  meta: RecordMeta;
}

export interface RecordKeys {
  dekWrap: Buffer;
  metadata: Buffer;
  recordSet: Buffer;
}

interface RecordRow {
  collection: string;
  record_id: string;
  version: number;
  meta_nonce: Buffer;
  meta_ct: Buffer;
  dek_nonce: Buffer;
  wrapped_dek: Buffer;
  body_nonce: Buffer;
  body_ct: Buffer;
}

/** What a listing reads: the body columns come last in the row, so SQLite never touches them. */
type MetaRow = Pick<RecordRow, 'collection' | 'record_id' | 'version' | 'meta_nonce' | 'meta_ct'>;
const META_COLUMNS = 'collection, record_id, version, meta_nonce, meta_ct';
const RECORD_COLUMNS = `${META_COLUMNS}, dek_nonce, wrapped_dek, body_nonce, body_ct`;

const slotKey = (collection: string, recordId: string) => `${collection}\u0000${recordId}`;

/** Checks a collection name and record id. Throws BAD_REQUEST. */
export function validateRecordAddress(collection: string, recordId: string): void {
  if (!COLLECTION_PATTERN.test(collection)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'A collection name is 1–64 characters of a–z, 0–9 and "-", starting with a letter.',
    );
  }
  if (!RECORD_ID_PATTERN.test(recordId)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'A record id is 1–128 characters of A–Z, a–z, 0–9, ".", "_", ":" and "-".',
    );
  }
}

function tampered(collection: string, recordId: string, why: string): KeywardenError {
  return new KeywardenError(
    ErrorCode.RECORD_TAMPERED,
    `Record ${collection}/${recordId} failed authentication (${why}): it was altered, swapped or rolled back outside Keywarden. Restore the vault from a backup.`,
  );
}

/** The record store of one unlocked vault. Holds the record keys until `close()` zeroes them. */
export class RecordStore {
  private readonly db: SqlConnection;
  private readonly vaultId: Buffer;
  private readonly keys: RecordKeys;
  private readonly versions = new Map<string, number>();
  private committedSet: Buffer;
  private staged: { set: Buffer; versions: Map<string, number | null>; dirty: boolean } | null =
    null;
  /** SQLite's data_version when the record set was last verified: it moves when another connection commits. */
  private seenDataVersion = -1;

  constructor(db: SqlConnection, vaultId: Buffer, keys: RecordKeys) {
    this.db = db;
    this.vaultId = vaultId;
    this.keys = keys;
    this.committedSet = this.emptySet();
  }

  private emptySet(): Buffer {
    return emptyRecordSet(this.keys.recordSet, this.vaultId);
  }

  /** The accumulator as it stands inside the current transaction (or as committed). */
  currentSet(): Buffer {
    return this.staged?.set ?? this.committedSet;
  }

  /**
   * Recomputes the accumulator from the rows and compares it with the stored one, and loads
   * the version of every record. Throws RECORD_TAMPERED when a record was removed, added or
   * rolled back.
   */
  load(storedSet: Buffer): void {
    const set = this.emptySet();
    this.versions.clear();
    const rows = this.db.prepare<{ collection: string; record_id: string; version: number }>(
      'SELECT collection, record_id, version FROM records',
    );
    const addresses: RecordAddress[] = [];
    for (const row of rows.iterate()) {
      if (!Number.isSafeInteger(row.version) || row.version < 1) {
        throw tampered(String(row.collection), String(row.record_id), 'its version is not valid');
      }
      addresses.push({ collection: row.collection, recordId: row.record_id, version: row.version });
      this.versions.set(slotKey(row.collection, row.record_id), row.version);
    }
    toggleRecords(set, this.keys.recordSet, addresses);
    if (!equalBytes(set, storedSet)) {
      throw new KeywardenError(
        ErrorCode.RECORD_TAMPERED,
        'The set of records does not match the vault header: records were removed, added or rolled back outside Keywarden. Restore the vault from a backup.',
      );
    }
    this.committedSet = set;
    this.seenDataVersion = Number(this.db.pragmaValue('data_version'));
  }

  /** Starts the record set of a vault being created: empty, with nothing to verify. */
  initializeEmpty(): void {
    this.versions.clear();
    this.committedSet = this.emptySet();
    this.seenDataVersion = Number(this.db.pragmaValue('data_version'));
  }

  /**
   * When another connection (another Keywarden process on the same file) has committed since
   * the record set was verified, verifies it again from the file, so its writes are taken in
   * and never mistaken for tampering. Throws RECORD_TAMPERED.
   */
  private syncWithFile(): void {
    if (Number(this.db.pragmaValue('data_version')) === this.seenDataVersion) return;
    const row = this.db
      .prepare<{ record_set: Buffer }>('SELECT record_set FROM vault_header WHERE singleton = 1')
      .get();
    this.load(row?.record_set ?? Buffer.alloc(0));
  }

  /** Starts staging changes for one transaction. Call inside the transaction. */
  begin(): void {
    this.syncWithFile();
    this.staged = { set: Buffer.from(this.committedSet), versions: new Map(), dirty: false };
  }

  /** Makes the staged changes current, once their transaction has committed. */
  commit(): void {
    if (!this.staged) return;
    this.committedSet = this.staged.set;
    for (const [key, version] of this.staged.versions) {
      if (version === null) this.versions.delete(key);
      else this.versions.set(key, version);
    }
    this.staged = null;
  }

  /** Drops the staged changes of a transaction that rolled back. */
  rollback(): void {
    this.staged = null;
  }

  private stage(): NonNullable<RecordStore['staged']> {
    if (!this.staged) throw new Error('record writes must run inside a vault transaction');
    return this.staged;
  }

  private expectedVersion(collection: string, recordId: string): number | undefined {
    const key = slotKey(collection, recordId);
    const staged = this.staged?.versions.get(key);
    if (staged !== undefined) return staged ?? undefined;
    return this.versions.get(key);
  }

  /**
   * Writes the staged record set to the header, once per transaction however many records
   * changed. Call inside the transaction, after the changes and before the audit entry.
   */
  flush(): void {
    if (!this.staged?.dirty) return;
    this.db
      .prepare('UPDATE vault_header SET record_set = ? WHERE singleton = 1')
      .run(this.staged.set);
    this.staged.dirty = false;
  }

  /**
   * Writes a record (a new one at version 1, else the next version) with a fresh DEK.
   * Call inside a vault transaction. Throws BAD_REQUEST, RECORD_TAMPERED.
   */
  put(collection: string, recordId: string, meta: RecordMeta, body: Uint8Array): number {
    validateRecordAddress(collection, recordId);
    if (body.length > MAX_BODY_BYTES) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `A record body is at most ${MAX_BODY_BYTES} bytes.`,
      );
    }
    const staged = this.stage();
    const previous = this.expectedVersion(collection, recordId);
    const current = this.db
      .prepare<{ version: number }>(
        'SELECT version FROM records WHERE collection = ? AND record_id = ?',
      )
      .get(collection, recordId);
    if (current?.version !== previous)
      throw tampered(collection, recordId, 'its version does not match the vault');
    const version = (previous ?? 0) + 1;
    const dek = randomBytes(32);
    try {
      const sealedMeta = seal(
        this.keys.metadata,
        Buffer.from(JSON.stringify(meta)),
        recordAad('meta', this.vaultId, collection, recordId, version),
      );
      const sealedDek = seal(
        this.keys.dekWrap,
        dek,
        recordAad('dek', this.vaultId, collection, recordId, version),
      );
      const sealedBody = seal(
        dek,
        body,
        recordAad('body', this.vaultId, collection, recordId, version),
      );
      this.db
        .prepare(
          `INSERT INTO records (collection, record_id, version, meta_nonce, meta_ct, dek_nonce, wrapped_dek, body_nonce, body_ct)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection, record_id) DO UPDATE SET version = excluded.version,
             meta_nonce = excluded.meta_nonce, meta_ct = excluded.meta_ct, dek_nonce = excluded.dek_nonce,
             wrapped_dek = excluded.wrapped_dek, body_nonce = excluded.body_nonce, body_ct = excluded.body_ct`,
        )
        .run(
          collection,
          recordId,
          version,
          sealedMeta.nonce,
          sealedMeta.ciphertext,
          sealedDek.nonce,
          sealedDek.ciphertext,
          sealedBody.nonce,
          sealedBody.ciphertext,
        );
    } finally {
      // The DEK exists in plain only in this function.
      zeroize(dek);
    }
    toggleRecords(staged.set, this.keys.recordSet, [
      ...(previous !== undefined ? [{ collection, recordId, version: previous }] : []),
      { collection, recordId, version },
    ]);
    staged.versions.set(slotKey(collection, recordId), version);
    staged.dirty = true;
    return version;
  }

  /**
   * Removes a record; with secure_delete on, its pages are overwritten. Call inside a vault
   * transaction. Throws RECORD_NOT_FOUND, RECORD_TAMPERED.
   */
  delete(collection: string, recordId: string): void {
    validateRecordAddress(collection, recordId);
    const staged = this.stage();
    const row = this.readRow(collection, recordId);
    this.db
      .prepare('DELETE FROM records WHERE collection = ? AND record_id = ?')
      .run(collection, recordId);
    toggleRecords(staged.set, this.keys.recordSet, [
      { collection, recordId, version: row.version },
    ]);
    staged.versions.set(slotKey(collection, recordId), null);
    staged.dirty = true;
  }

  private readRow(collection: string, recordId: string): RecordRow {
    if (!this.staged) this.syncWithFile();
    const row = this.db
      .prepare<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE collection = ? AND record_id = ?`,
      )
      .get(collection, recordId);
    const expected = this.expectedVersion(collection, recordId);
    if (!row) {
      if (expected !== undefined) throw tampered(collection, recordId, 'it is missing');
      throw new KeywardenError(
        ErrorCode.RECORD_NOT_FOUND,
        `No record ${collection}/${recordId} in this vault.`,
      );
    }
    if (row.version !== expected)
      throw tampered(collection, recordId, 'its version does not match the vault');
    return row;
  }

  private openMeta(row: MetaRow): RecordMeta {
    const plain = open(
      this.keys.metadata,
      row.meta_nonce,
      row.meta_ct,
      recordAad('meta', this.vaultId, row.collection, row.record_id, row.version),
    );
    if (!plain) throw tampered(row.collection, row.record_id, 'its metadata does not authenticate');
    try {
      return JSON.parse(plain.toString('utf8')) as RecordMeta;
    } catch {
      throw tampered(row.collection, row.record_id, 'its metadata is not readable');
    }
  }

  /** A record's metadata. Throws RECORD_NOT_FOUND, RECORD_TAMPERED. */
  getMeta(collection: string, recordId: string): RecordSummary {
    validateRecordAddress(collection, recordId);
    const row = this.readRow(collection, recordId);
    return { collection, recordId, version: row.version, meta: this.openMeta(row) };
  }

  /**
   * A record's secret body, in a new Buffer the caller must zero. The DEK is zeroed here.
   * Throws RECORD_NOT_FOUND, RECORD_TAMPERED.
   */
  readBody(collection: string, recordId: string): Buffer {
    validateRecordAddress(collection, recordId);
    return this.openBody(this.readRow(collection, recordId));
  }

  private openBody(row: RecordRow): Buffer {
    const dek = open(
      this.keys.dekWrap,
      row.dek_nonce,
      row.wrapped_dek,
      recordAad('dek', this.vaultId, row.collection, row.record_id, row.version),
    );
    if (!dek) throw tampered(row.collection, row.record_id, 'its data key does not authenticate');
    try {
      const body = open(
        dek,
        row.body_nonce,
        row.body_ct,
        recordAad('body', this.vaultId, row.collection, row.record_id, row.version),
      );
      if (!body) throw tampered(row.collection, row.record_id, 'its body does not authenticate');
      return body;
    } finally {
      zeroize(dek);
    }
  }

  /** Every record of a collection with its metadata, in id order. Throws RECORD_TAMPERED. */
  list(collection: string): RecordSummary[] {
    this.syncWithFile();
    const out: RecordSummary[] = [];
    for (const row of this.db
      .prepare<MetaRow>(
        `SELECT ${META_COLUMNS} FROM records WHERE collection = ? ORDER BY record_id`,
      )
      .iterate(collection)) {
      if (row.version !== this.expectedVersion(row.collection, row.record_id)) {
        throw tampered(row.collection, row.record_id, 'its version does not match the vault');
      }
      out.push({
        collection: row.collection,
        recordId: row.record_id,
        version: row.version,
        meta: this.openMeta(row),
      });
    }
    return out;
  }

  /** Record counts per collection. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.db
      .prepare<{ collection: string; n: number }>(
        'SELECT collection, count(*) AS n FROM records GROUP BY collection',
      )
      .all()) {
      counts[row.collection] = row.n;
    }
    return counts;
  }

  /** Opens every part of every record (the body bytes are zeroed at once). Throws RECORD_TAMPERED. */
  authenticateAll(): number {
    this.syncWithFile();
    let count = 0;
    for (const row of this.db
      .prepare<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM records`)
      .iterate()) {
      if (row.version !== this.expectedVersion(row.collection, row.record_id)) {
        throw tampered(row.collection, row.record_id, 'its version does not match the vault');
      }
      this.openMeta(row);
      zeroize(this.openBody(row));
      count += 1;
    }
    return count;
  }

  /** Zeroes the record keys. */
  close(): void {
    zeroize(this.keys.dekWrap, this.keys.metadata, this.keys.recordSet);
    this.versions.clear();
  }
}
