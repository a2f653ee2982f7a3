import { randomBytes } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { zeroize } from '../crypto/bytes.ts';
import { open, seal } from '../crypto/aead.ts';
import { recordAad } from './format.ts';
import { RecordSet, recordTampered } from './record-set.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// Envelope-encrypted records. A record's metadata is sealed under the vault's metadata key
// (so a listing needs one AEAD open per record) and its secret body under a data key (DEK)
// of its own, wrapped by the VMK-derived wrap key. Every AAD binds vault id, collection
// (table), record id and version, so a record moved, swapped or replayed under another id
// fails to open; the record set (record-set.ts) catches rows removed, added or rolled back.
//
// Deleting a record removes its ciphertext and leaves a tombstone at the next version: a
// sealed marker, so a deleted record can neither be resurrected from an old copy of its row
// nor hidden by flipping a flag.

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
  tombstone: number;
  meta_nonce: Buffer;
  meta_ct: Buffer;
  dek_nonce: Buffer;
  wrapped_dek: Buffer;
  body_nonce: Buffer;
  body_ct: Buffer;
}

/** What a listing reads: the body columns come last in the row, so SQLite never touches them. */
type MetaRow = Pick<
  RecordRow,
  'collection' | 'record_id' | 'version' | 'tombstone' | 'meta_nonce' | 'meta_ct'
>;
const META_COLUMNS = 'collection, record_id, version, tombstone, meta_nonce, meta_ct';
const RECORD_COLUMNS = `${META_COLUMNS}, dek_nonce, wrapped_dek, body_nonce, body_ct`;
const EMPTY = Buffer.alloc(0);

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

function notFound(collection: string, recordId: string): KeywardenError {
  return new KeywardenError(
    ErrorCode.RECORD_NOT_FOUND,
    `No record ${collection}/${recordId} in this vault.`,
  );
}

/** The record store of one unlocked vault. Holds the record keys until `close()` zeroes them. */
export class RecordStore {
  private readonly db: SqlConnection;
  private readonly vaultId: Buffer;
  private readonly keys: RecordKeys;
  readonly set: RecordSet;

  constructor(db: SqlConnection, vaultId: Buffer, keys: RecordKeys) {
    this.db = db;
    this.vaultId = vaultId;
    this.keys = keys;
    this.set = new RecordSet(db, vaultId, keys.recordSet);
  }

  private aad(
    part: 'meta' | 'dek' | 'body' | 'tombstone',
    row: Pick<RecordRow, 'collection' | 'record_id' | 'version'>,
  ): Buffer {
    return recordAad(part, this.vaultId, row.collection, row.record_id, row.version);
  }

  /** Checks a row's version against the record set. Throws RECORD_TAMPERED. */
  private checkVersion(row: MetaRow): void {
    if (row.version !== this.set.expectedVersion(row.collection, row.record_id)) {
      throw recordTampered(row.collection, row.record_id, 'its version does not match the vault');
    }
  }

  /** Whether an authentic row is a tombstone. Throws RECORD_TAMPERED for a forged marker. */
  private isTombstone(row: MetaRow): boolean {
    if (row.tombstone === 0) return false;
    const marker =
      row.tombstone === 1 &&
      open(this.keys.metadata, row.meta_nonce, row.meta_ct, this.aad('tombstone', row));
    if (!marker)
      throw recordTampered(
        row.collection,
        row.record_id,
        'its deletion mark does not authenticate',
      );
    return true;
  }

  private openMeta(row: MetaRow): RecordMeta {
    const plain = open(this.keys.metadata, row.meta_nonce, row.meta_ct, this.aad('meta', row));
    if (!plain) {
      throw recordTampered(row.collection, row.record_id, 'its metadata does not authenticate');
    }
    try {
      return JSON.parse(plain.toString('utf8')) as RecordMeta;
    } catch {
      throw recordTampered(row.collection, row.record_id, 'its metadata is not readable');
    }
  }

  /** Opens a body in a new Buffer the caller zeroes; the DEK is zeroed here. */
  private openBody(row: RecordRow): Buffer {
    const dek = open(this.keys.dekWrap, row.dek_nonce, row.wrapped_dek, this.aad('dek', row));
    if (!dek)
      throw recordTampered(row.collection, row.record_id, 'its data key does not authenticate');
    try {
      const body = open(dek, row.body_nonce, row.body_ct, this.aad('body', row));
      if (!body)
        throw recordTampered(row.collection, row.record_id, 'its body does not authenticate');
      return body;
    } finally {
      zeroize(dek);
    }
  }

  /** Reads a live record's row. Throws RECORD_NOT_FOUND, RECORD_TAMPERED. */
  private readLiveRow(collection: string, recordId: string): RecordRow {
    validateRecordAddress(collection, recordId);
    const row = this.db
      .prepare<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE collection = ? AND record_id = ?`,
      )
      .get(collection, recordId);
    if (!row) {
      if (this.set.expectedVersion(collection, recordId) !== undefined) {
        throw recordTampered(collection, recordId, 'it is missing');
      }
      throw notFound(collection, recordId);
    }
    this.checkVersion(row);
    if (this.isTombstone(row)) throw notFound(collection, recordId);
    return row;
  }

  /**
   * Writes a record: a new one, or the next version of an existing or deleted one, with a
   * fresh DEK. Call inside a vault transaction. Throws BAD_REQUEST, RECORD_TAMPERED.
   */
  put(collection: string, recordId: string, meta: RecordMeta, body: Uint8Array): number {
    validateRecordAddress(collection, recordId);
    if (body.length > MAX_BODY_BYTES) {
      throw new KeywardenError(
        ErrorCode.BAD_REQUEST,
        `A record body is at most ${MAX_BODY_BYTES} bytes.`,
      );
    }
    const previous = this.set.expectedVersion(collection, recordId);
    const current = this.db
      .prepare<{ version: number }>(
        'SELECT version FROM records WHERE collection = ? AND record_id = ?',
      )
      .get(collection, recordId);
    if (current?.version !== previous) {
      throw recordTampered(collection, recordId, 'its version does not match the vault');
    }
    const row = { collection, record_id: recordId, version: (previous ?? 0) + 1, tombstone: 0 };
    const dek = randomBytes(32);
    try {
      const sealedMeta = seal(
        this.keys.metadata,
        Buffer.from(JSON.stringify(meta)),
        this.aad('meta', row),
      );
      const sealedDek = seal(this.keys.dekWrap, dek, this.aad('dek', row));
      const sealedBody = seal(dek, body, this.aad('body', row));
      this.write(row, sealedMeta, sealedDek, sealedBody);
    } finally {
      // The DEK exists in plain only in this function.
      zeroize(dek);
    }
    this.set.replace(collection, recordId, previous, row.version);
    return row.version;
  }

  /**
   * Deletes a record: its ciphertext is removed (secure_delete overwrites the freed pages)
   * and a sealed tombstone takes the next version. Call inside a vault transaction. Throws
   * BAD_REQUEST, RECORD_NOT_FOUND, RECORD_TAMPERED.
   */
  delete(collection: string, recordId: string): void {
    const live = this.readLiveRow(collection, recordId);
    const row = { collection, record_id: recordId, version: live.version + 1, tombstone: 1 };
    const marker = seal(this.keys.metadata, EMPTY, this.aad('tombstone', row));
    const none = { nonce: EMPTY, ciphertext: EMPTY };
    this.write(row, marker, none, none);
    this.set.replace(collection, recordId, live.version, row.version);
  }

  private write(
    row: Pick<RecordRow, 'collection' | 'record_id' | 'version' | 'tombstone'>,
    meta: { nonce: Buffer; ciphertext: Buffer },
    dek: { nonce: Buffer; ciphertext: Buffer },
    body: { nonce: Buffer; ciphertext: Buffer },
  ): void {
    this.db
      .prepare(
        `INSERT INTO records (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (collection, record_id) DO UPDATE SET version = excluded.version,
           tombstone = excluded.tombstone, meta_nonce = excluded.meta_nonce,
           meta_ct = excluded.meta_ct, dek_nonce = excluded.dek_nonce,
           wrapped_dek = excluded.wrapped_dek, body_nonce = excluded.body_nonce,
           body_ct = excluded.body_ct`,
      )
      .run(
        row.collection,
        row.record_id,
        row.version,
        row.tombstone,
        meta.nonce,
        meta.ciphertext,
        dek.nonce,
        dek.ciphertext,
        body.nonce,
        body.ciphertext,
      );
  }

  /** A record's metadata. Throws BAD_REQUEST, RECORD_NOT_FOUND, RECORD_TAMPERED. */
  getMeta(collection: string, recordId: string): RecordSummary {
    const row = this.readLiveRow(collection, recordId);
    return { collection, recordId, version: row.version, meta: this.openMeta(row) };
  }

  /**
   * A record's secret body, in a new Buffer the caller must zero. Throws BAD_REQUEST,
   * RECORD_NOT_FOUND, RECORD_TAMPERED.
   */
  readBody(collection: string, recordId: string): Buffer {
    return this.openBody(this.readLiveRow(collection, recordId));
  }

  /** Every live record of a collection with its metadata, in id order. Throws RECORD_TAMPERED. */
  list(collection: string): RecordSummary[] {
    const out: RecordSummary[] = [];
    this.scan(collection, (record) => out.push(record));
    return out;
  }

  /**
   * Opens every live record of a collection in id order and hands each to `visit` at once, so
   * a caller keeping only part of each record never holds them all. `onRow`, when given, hears
   * after each row how many of the collection's rows (live or deleted) are read, of how many.
   * Throws RECORD_TAMPERED.
   */
  scan(
    collection: string,
    visit: (record: RecordSummary) => void,
    onRow?: (read: number, rows: number) => void,
  ): void {
    const rows = onRow
      ? (this.db
          .prepare<{ rows: number }>('SELECT count(*) AS rows FROM records WHERE collection = ?')
          .get(collection)?.rows ?? 0)
      : 0;
    let read = 0;
    const select = this.db.prepare<MetaRow>(
      `SELECT ${META_COLUMNS} FROM records WHERE collection = ? ORDER BY record_id`,
    );
    for (const row of select.iterate(collection)) {
      this.checkVersion(row);
      if (!this.isTombstone(row)) {
        visit({
          collection,
          recordId: row.record_id,
          version: row.version,
          meta: this.openMeta(row),
        });
      }
      read += 1;
      onRow?.(read, rows);
    }
  }

  /**
   * Opens every part of every row (bodies are zeroed at once) and counts live records per
   * collection. Throws RECORD_TAMPERED.
   */
  authenticateAll(): { authenticated: number; counts: Record<string, number> } {
    const counts: Record<string, number> = {};
    let authenticated = 0;
    for (const row of this.db
      .prepare<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM records`)
      .iterate()) {
      this.checkVersion(row);
      if (!this.isTombstone(row)) {
        this.openMeta(row);
        zeroize(this.openBody(row));
        counts[row.collection] = (counts[row.collection] ?? 0) + 1;
      }
      authenticated += 1;
    }
    return { authenticated, counts };
  }

  /** Zeroes the record keys. */
  close(): void {
    zeroize(this.keys.dekWrap, this.keys.metadata);
    this.set.zero();
  }
}
