import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { OpenSqlConnection, SqlConnection } from '../../../native/store/store.ts';

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
          tombstone INTEGER NOT NULL DEFAULT 0,
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
  {
    version: 2,
    description: 'unlock slots may carry a name (bound into the header MAC once set)',
    up(db) {
      db.exec('ALTER TABLE unlock_slots ADD COLUMN name TEXT');
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

function schemaOf(db: SqlConnection): string[] {
  return db
    .prepare<{ entry: string }>(
      "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS entry FROM sqlite_schema ORDER BY type, name",
    )
    .all()
    .map((row) => row.entry);
}

// The schema each format version has: a pure function of MIGRATIONS, so built once.
const expectedSchemas = new Map<number, string[]>();

function expectedSchema(version: number, openSql: OpenSqlConnection): string[] {
  const known = expectedSchemas.get(version);
  if (known) return known;
  const reference = openSql(':memory:', 'create');
  try {
    migrate(reference, MIGRATIONS.slice(0, version));
    const schema = schemaOf(reference);
    expectedSchemas.set(version, schema);
    return schema;
  } finally {
    reference.close();
  }
}

/**
 * Checks that the file's schema (tables, columns, constraints, triggers, indexes) is exactly
 * what the migrations up to its format version build, by building that afresh in memory and
 * comparing. A table rebuilt without its UNIQUE constraint, a dropped column or an added
 * trigger is refused here rather than met later as a crash or as wrong data; only the
 * audit log's append-only triggers may be missing. Throws VAULT_HEADER_TAMPERED.
 */
export function verifySchema(db: SqlConnection, openSql: OpenSqlConnection): void {
  const expected = expectedSchema(Number(db.pragmaValue('user_version')), openSql);
  const actual = new Set(schemaOf(db));
  // The append-only triggers only guard against accidents: without them, an edited entry
  // still breaks the chain, and `audit verify` must be able to say which one.
  const missing = expected.filter(
    (entry) => !actual.has(entry) && !entry.startsWith('trigger audit_log_no_'),
  );
  const extra = [...actual].filter((entry) => !expected.includes(entry));
  if (missing.length > 0 || extra.length > 0) {
    throw new KeywardenError(
      ErrorCode.VAULT_HEADER_TAMPERED,
      `The database schema of ${db.path} was altered outside Keywarden (tables, columns or triggers differ). Restore it from a backup.`,
    );
  }
}
