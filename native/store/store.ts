// The storage interface core depends on: the small part of an SQLite connection the vault
// uses. The implementation (sqlite-store.ts, over better-sqlite3) lives beside it; core
// imports only these types.

export type SqlValue = string | number | bigint | Buffer | Uint8Array | null;
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement<Row = Record<string, unknown>> {
  run(...params: SqlValue[]): RunResult;
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
  iterate(...params: SqlValue[]): IterableIterator<Row>;
}

export interface SqlConnection {
  readonly path: string;
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  exec(sql: string): void;
  /** Runs `fn` in one IMMEDIATE transaction: all of it commits, or none of it. */
  transaction<T>(fn: () => T): T;
  /** Runs `fn` in one DEFERRED transaction: all its reads see one snapshot of the file. */
  readTransaction<T>(fn: () => T): T;
  /**
   * Copies the write-ahead log into the file and truncates it, so no older page image (of
   * removed ciphertext, say) lingers there. Returns false when another connection's reading
   * kept it from completing.
   */
  checkpoint(): boolean;
  /** Reads a pragma's single value. */
  pragmaValue(name: string): unknown;
  close(): void;
}

export const OpenMode = {
  CREATE: 'create',
  READ_WRITE: 'read-write',
  READ_ONLY: 'read-only',
} as const;
export type OpenMode = (typeof OpenMode)[keyof typeof OpenMode];

/** Opens an SQLite file; errors are KeywardenErrors sorted into named kinds. */
export type OpenSqlConnection = (path: string, mode: OpenMode) => SqlConnection;
