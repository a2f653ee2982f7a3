import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { OpenMode, OpenSqlConnection, SqlConnection, SqlValue, Statement } from './store.ts';

// better-sqlite3 behind the SqlConnection interface. Every SQLite error is sorted into a
// named kind here (as Signal Desktop does), so core never matches message text.

const KIND_BY_SQLITE_CODE: Record<string, ErrorCode> = {
  SQLITE_NOTADB: ErrorCode.NOT_A_VAULT,
  SQLITE_CORRUPT: ErrorCode.VAULT_CORRUPT,
  SQLITE_CORRUPT_VTAB: ErrorCode.VAULT_CORRUPT,
  SQLITE_CORRUPT_SEQUENCE: ErrorCode.VAULT_CORRUPT,
  SQLITE_CORRUPT_INDEX: ErrorCode.VAULT_CORRUPT,
  SQLITE_READONLY: ErrorCode.VAULT_READ_ONLY,
  SQLITE_BUSY: ErrorCode.VAULT_BUSY,
  SQLITE_LOCKED: ErrorCode.VAULT_BUSY,
  SQLITE_CANTOPEN: ErrorCode.VAULT_NOT_FOUND,
};

const MESSAGE_BY_KIND: Partial<Record<ErrorCode, string>> = {
  NOT_A_VAULT: 'is not a Keywarden vault (not an SQLite database)',
  VAULT_CORRUPT: 'is damaged (SQLite reports corruption); restore it from a backup',
  VAULT_READ_ONLY: 'cannot be written (read-only file or file system)',
  VAULT_BUSY: 'is in use by another process; close it there and try again',
  VAULT_NOT_FOUND: 'cannot be opened',
};

/** Sorts an SQLite error into a KeywardenError; other errors pass through unchanged. */
export function sortSqliteError(path: string, error: unknown): unknown {
  if (error instanceof KeywardenError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const base = code.split('_').slice(0, 2).join('_');
  const kind = KIND_BY_SQLITE_CODE[code] ?? KIND_BY_SQLITE_CODE[base];
  if (kind === undefined) {
    return new KeywardenError(
      ErrorCode.INTERNAL,
      `The vault ${path} failed a storage operation (${code}).`,
      { cause: error },
    );
  }
  return new KeywardenError(kind, `The file ${path} ${MESSAGE_BY_KIND[kind] ?? 'failed'}.`, {
    cause: error,
  });
}

function guarded<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw sortSqliteError(path, error);
  }
}

class GuardedStatement<Row> implements Statement<Row> {
  private readonly path: string;
  private readonly statement: Database.Statement;

  constructor(path: string, statement: Database.Statement) {
    this.path = path;
    this.statement = statement;
  }
  run(...params: SqlValue[]) {
    return guarded(this.path, () => this.statement.run(...params));
  }
  get(...params: SqlValue[]) {
    return guarded(this.path, () => this.statement.get(...params) as Row | undefined);
  }
  all(...params: SqlValue[]) {
    return guarded(this.path, () => this.statement.all(...params) as Row[]);
  }
  *iterate(...params: SqlValue[]): IterableIterator<Row> {
    const iterator = guarded(this.path, () => this.statement.iterate(...params));
    try {
      yield* iterator as IterableIterator<Row>;
    } catch (error) {
      throw sortSqliteError(this.path, error);
    } finally {
      // A consumer that stops early (break, or an exception) must release the statement, or
      // the connection stays busy and cannot run anything else or close.
      iterator.return?.();
    }
  }
}

class SqliteConnection implements SqlConnection {
  readonly path: string;
  private readonly db: Database.Database;
  // Compiled statements by SQL text. Compiling is a third of a write's cost, and statements
  // hold native memory the garbage collector does not see, so each SQL text is compiled once.
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }
  prepare<Row>(sql: string): Statement<Row> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = guarded(this.path, () => this.db.prepare(sql));
      this.statements.set(sql, statement);
    } else if (statement.busy) {
      // The cached one is mid-iteration: this caller needs its own.
      statement = guarded(this.path, () => this.db.prepare(sql));
    }
    return new GuardedStatement<Row>(this.path, statement);
  }
  exec(sql: string): void {
    guarded(this.path, () => this.db.exec(sql));
  }
  transaction<T>(fn: () => T): T {
    return guarded(this.path, () => this.db.transaction(fn).immediate());
  }
  readTransaction<T>(fn: () => T): T {
    return guarded(this.path, () => this.db.transaction(fn).deferred());
  }
  checkpoint(): boolean {
    const [result] = guarded(this.path, () => this.db.pragma('wal_checkpoint(TRUNCATE)')) as Array<{
      busy: number;
    }>;
    return result?.busy === 0;
  }
  pragmaValue(name: string): unknown {
    return guarded(this.path, () => this.db.pragma(name, { simple: true }));
  }
  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens (or, in CREATE mode, creates) an SQLite file with the vault's pragmas: WAL,
 * synchronous=FULL (a returned commit survives power loss), secure_delete (freed pages are
 * overwritten, so removed ciphertext does not linger), foreign keys on, a busy timeout.
 * Throws VAULT_NOT_FOUND, VAULT_EXISTS, NOT_A_VAULT, VAULT_CORRUPT, VAULT_READ_ONLY, VAULT_BUSY.
 */
export const openSqlConnection: OpenSqlConnection = (path: string, mode: OpenMode) => {
  const existing = statSync(path, { throwIfNoEntry: false });
  if (mode === 'create' && existing) {
    throw new KeywardenError(
      ErrorCode.VAULT_EXISTS,
      `A file already exists at ${path}; choose another path.`,
    );
  }
  if (mode !== 'create' && !existing) {
    throw new KeywardenError(
      ErrorCode.VAULT_NOT_FOUND,
      `No vault at ${path}; create one with "keywarden init --vault ${path}".`,
    );
  }
  // SQLite would quietly turn an empty file into a new database; it is simply not a vault.
  if (mode !== 'create' && existing?.size === 0) {
    throw new KeywardenError(
      ErrorCode.NOT_A_VAULT,
      `The file ${path} is empty: it is not a Keywarden vault.`,
    );
  }
  return guarded(path, () => {
    const db = new Database(path, {
      readonly: mode === 'read-only',
      fileMustExist: mode !== 'create',
    });
    try {
      // Reading the schema forces SQLite to read page 1, so a non-database fails here.
      db.pragma('schema_version', { simple: true });
      // WAL is a property of the file, set once at creation: opening some other database
      // must never change it.
      if (mode === 'create') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('secure_delete = ON');
      db.pragma('busy_timeout = 5000');
      db.pragma('trusted_schema = OFF');
      return new SqliteConnection(path, db);
    } catch (error) {
      db.close();
      throw error;
    }
  });
};
