import { createCipheriv, hash } from 'node:crypto';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import { encodeFields, equalBytes, zeroize } from '../crypto/bytes.ts';
import { hmacSha256 } from '../crypto/subkeys.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// The record set: a keyed accumulator over the address (collection, id, version) of every
// record row, stored in the header and bound into the audit checkpoint. A row removed,
// added, duplicated or rolled back to an older (internally valid) version changes it.
// Versions only grow, even across deletion (a deleted record leaves a tombstone), so an
// address is never reused and an old row can never pass for a current one.
//
// It is the XOR of one 32-byte pseudorandom element per row (a keyed MSet-XOR hash). An
// element is the SHA-256 of the encoded address, encrypted with AES-256-ECB under the
// record-set key: distinct addresses have distinct digests, and AES under a secret key is a
// pseudorandom permutation of them. XOR cancels a repeated element, so a repeated address
// is refused outright. One cipher object serves a whole batch, which keeps verifying
// 100,000 records at unlock to a fraction of a second.

export const RECORD_SET_BYTES = 32;

export interface RecordAddress {
  collection: string;
  recordId: string;
  version: number;
}

/** The map key of a record's (collection, id). */
export const addressKey = (collection: string, recordId: string) =>
  `${collection}\u0000${recordId}`;

/** The error for a row that does not match the record set. */
export function recordTampered(collection: string, recordId: string, why: string): KeywardenError {
  return new KeywardenError(
    ErrorCode.RECORD_TAMPERED,
    `Record ${collection}/${recordId} failed authentication (${why}): it was altered, swapped or rolled back outside Keywarden. Restore the vault from a backup.`,
  );
}

/** XORs the elements of every address into `set`, in place. */
export function toggleRecords(
  set: Buffer,
  key: Uint8Array,
  addresses: readonly RecordAddress[],
): void {
  if (addresses.length === 0) return;
  const digests = addresses.map((address) =>
    hash(
      'sha256',
      encodeFields(
        'keywarden/v1/record-set-element',
        address.collection,
        address.recordId,
        address.version,
      ),
      'buffer',
    ),
  );
  const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  const elements = Buffer.concat([cipher.update(Buffer.concat(digests)), cipher.final()]);
  for (let offset = 0; offset < elements.length; offset += RECORD_SET_BYTES) {
    for (let i = 0; i < RECORD_SET_BYTES; i += 1) {
      set[i] = (set[i] ?? 0) ^ (elements[offset + i] ?? 0);
    }
  }
}

interface Staged {
  set: Buffer;
  versions: Map<string, number>;
  dirty: boolean;
}

/**
 * The verified record set of one unlocked vault and the version of every record in it.
 * Changes are staged inside a transaction and made current only once it commits. The key is
 * zeroed by zero().
 */
export class RecordSet {
  private readonly db: SqlConnection;
  private readonly vaultId: Buffer;
  private readonly key: Buffer;
  private readonly versions = new Map<string, number>();
  private committed: Buffer;
  private staged: Staged | null = null;
  /** SQLite's data_version when the set was last verified; another connection's commit moves it. */
  private seenDataVersion = -1;

  constructor(db: SqlConnection, vaultId: Buffer, key: Buffer) {
    this.db = db;
    this.vaultId = vaultId;
    this.key = key;
    this.committed = this.empty();
  }

  private empty(): Buffer {
    return hmacSha256(this.key, encodeFields('keywarden/v1/record-set-empty', this.vaultId));
  }

  /** The set as it stands inside the current transaction (or as committed). */
  current(): Buffer {
    return this.staged?.set ?? this.committed;
  }

  /** Starts the set of a vault being created: empty, with nothing to verify. */
  initializeEmpty(): void {
    this.versions.clear();
    this.committed = this.empty();
    this.seenDataVersion = Number(this.db.pragmaValue('data_version'));
  }

  /**
   * Recomputes the set from the rows, compares it with `stored` and loads every version.
   * Throws RECORD_TAMPERED when a row was removed, added, repeated or rolled back, or is
   * malformed.
   */
  load(stored: Buffer): void {
    const set = this.empty();
    this.versions.clear();
    const addresses: RecordAddress[] = [];
    const rows = this.db.prepare<{ collection: unknown; record_id: unknown; version: unknown }>(
      'SELECT collection, record_id, version FROM records',
    );
    for (const row of rows.iterate()) {
      const { collection, record_id: recordId, version } = row;
      if (typeof collection !== 'string' || typeof recordId !== 'string') {
        throw recordTampered(String(collection), String(recordId), 'its address is malformed');
      }
      if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
        throw recordTampered(collection, recordId, 'its version is not valid');
      }
      const key = addressKey(collection, recordId);
      if (this.versions.has(key)) throw recordTampered(collection, recordId, 'it appears twice');
      this.versions.set(key, version);
      addresses.push({ collection, recordId, version });
    }
    toggleRecords(set, this.key, addresses);
    if (!equalBytes(set, stored)) {
      this.versions.clear();
      throw new KeywardenError(
        ErrorCode.RECORD_TAMPERED,
        'The set of records does not match the vault header: records were removed, added or rolled back outside Keywarden. Restore the vault from a backup.',
      );
    }
    this.committed = set;
    this.seenDataVersion = Number(this.db.pragmaValue('data_version'));
  }

  /**
   * When another connection (another Keywarden process on the same file) has committed since
   * the set was verified, verifies it again from the file, so its writes are taken in rather
   * than mistaken for tampering. Call inside a transaction, so what is verified is what is
   * then read. Throws RECORD_TAMPERED.
   */
  sync(): void {
    if (this.staged) return;
    if (Number(this.db.pragmaValue('data_version')) === this.seenDataVersion) return;
    const row = this.db
      .prepare<{ record_set: Buffer }>('SELECT record_set FROM vault_header WHERE singleton = 1')
      .get();
    this.load(row?.record_set ?? Buffer.alloc(0));
  }

  /** Starts staging changes; call first thing inside a write transaction. */
  begin(): void {
    this.sync();
    this.staged = { set: Buffer.from(this.committed), versions: new Map(), dirty: false };
  }

  /** The version the vault holds for a record (staged changes first), if any. */
  expectedVersion(collection: string, recordId: string): number | undefined {
    const key = addressKey(collection, recordId);
    return this.staged?.versions.get(key) ?? this.versions.get(key);
  }

  /**
   * Stages a record's move from `previous` to `next` version. Throws outside a transaction
   * (a programming error, not a user-facing one).
   */
  replace(collection: string, recordId: string, previous: number | undefined, next: number): void {
    if (!this.staged) throw new Error('record writes must run inside a vault transaction');
    toggleRecords(this.staged.set, this.key, [
      ...(previous !== undefined ? [{ collection, recordId, version: previous }] : []),
      { collection, recordId, version: next },
    ]);
    this.staged.versions.set(addressKey(collection, recordId), next);
    this.staged.dirty = true;
  }

  /** Writes the staged set to the header, once per transaction, before the audit entry. */
  flush(): void {
    if (!this.staged?.dirty) return;
    this.db
      .prepare('UPDATE vault_header SET record_set = ? WHERE singleton = 1')
      .run(this.staged.set);
    this.staged.dirty = false;
  }

  /** Makes the staged changes current, once their transaction has committed. */
  commit(): void {
    if (!this.staged) return;
    this.committed = this.staged.set;
    for (const [key, version] of this.staged.versions) this.versions.set(key, version);
    this.staged = null;
  }

  /** Drops the staged changes of a transaction that rolled back. */
  rollback(): void {
    this.staged = null;
  }

  /** Zeroes the record-set key and forgets the versions (on lock). */
  zero(): void {
    zeroize(this.key);
    this.versions.clear();
  }
}
