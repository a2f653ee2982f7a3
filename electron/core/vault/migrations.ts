import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// Numbered schema migrations. `user_version` holds the number of the last one applied;
// each runs in its own transaction together with the bump, so a crash leaves the file at
// one numbered version or the next, never between.

export interface Migration {
  version: number;
  description: string;
  up(db: SqlConnection): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'header, unlock slots, envelope-encrypted records, audit chain',
    up(db) {
      db.exec(`
        CREATE TABLE vault_header (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          vault_id BLOB NOT NULL CHECK (length(vault_id) = 16),
          created_at TEXT NOT NULL,
          header_mac BLOB NOT NULL,
          record_set BLOB NOT NULL
        ) STRICT;
        CREATE TABLE unlock_slots (
          slot_id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          params TEXT NOT NULL,
          nonce BLOB NOT NULL,
          wrapped_vmk BLOB NOT NULL,
          created_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE records (
          row_id INTEGER PRIMARY KEY,
          collection TEXT NOT NULL,
          record_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          meta_nonce BLOB NOT NULL,
          meta_ct BLOB NOT NULL,
          dek_nonce BLOB NOT NULL,
          wrapped_dek BLOB NOT NULL,
          body_nonce BLOB NOT NULL,
          body_ct BLOB NOT NULL,
          UNIQUE (collection, record_id)
        ) STRICT;
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          target TEXT NOT NULL,
          outcome TEXT NOT NULL,
          detail TEXT NOT NULL,
          prev_hash BLOB NOT NULL,
          hash BLOB NOT NULL
        ) STRICT;
        CREATE TABLE audit_checkpoint (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          seq INTEGER NOT NULL,
          hash BLOB NOT NULL,
          mac BLOB NOT NULL
        ) STRICT;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      `);
    },
  },
];

/** The format version this build writes and the newest it can open. */
export const LATEST_FORMAT_VERSION = MIGRATIONS.length;

/**
 * Brings the schema from its `user_version` up to the last of `migrations`, one transaction
 * per step. Throws VAULT_FORMAT_UNSUPPORTED when the file is newer than this build.
 */
export function migrate(db: SqlConnection, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.length;
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1)
      throw new Error(`migration ${index + 1} is numbered ${migration.version}`);
  });
  let current = Number(db.pragmaValue('user_version'));
  if (current > latest) {
    throw new KeywardenError(
      ErrorCode.VAULT_FORMAT_UNSUPPORTED,
      `The vault ${db.path} has format version ${current}; this Keywarden reads up to ${latest}. Upgrade Keywarden to open it.`,
    );
  }
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      migration.up(db);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
    current = migration.version;
  }
  return current;
}
