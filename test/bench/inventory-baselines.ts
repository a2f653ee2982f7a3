import Database from 'better-sqlite3';
import type { KeyFilter } from '../../electron/core/inventory/key-inventory.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';

// What the inventory queries are measured against, in the same run and on the same rows:
//
//  - raw scan: the vault's own `records` rows of the collection, read with better-sqlite3
//    opened read-only (what any inventory query must at least touch; nothing is decrypted);
//  - plaintext: the same KeyView objects as JSON in an unencrypted, indexed SQLite table,
//    queried in SQL and parsed (what an unencrypted inventory would cost).
//
// Each query is written twice, as Keywarden's filter and as the plaintext SQL, and the two
// must return the same keys in the same order.

/** The owner of the owner-and-state query: a mid-sized share of the keys. */
export const QUERY_OWNER = 'Farah Khan';
const DUE_WITHIN_DAYS = 30;
const DAY_MS = 86_400_000;

/** The unencrypted inventory: the same entries as plain JSON in an indexed SQLite table. */
export interface PlaintextInventory {
  db: Database.Database;
  /** Inserts `keys` in one transaction. */
  insert(keys: KeyView[]): void;
}

/** Creates the plaintext inventory at `path`, with the vault's durability settings. */
export function openPlaintextInventory(path: string): PlaintextInventory {
  const db = new Database(path);
  // The vault's durability, so the write times compare too.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // `due` is dueDate (key-inventory.ts) in SQL: a key in use falls due at its originator-usage
  // end (or, with no originator use, its recipient-usage end), a deactivated or compromised
  // one at its recipient-usage end, a destroyed one never (NULL, which no `due <= ?` matches).
  db.exec(`
    CREATE TABLE keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL,
      state TEXT NOT NULL, originator_usage_end TEXT, recipient_usage_end TEXT NOT NULL,
      signing INTEGER NOT NULL, published_until TEXT, json TEXT NOT NULL,
      due TEXT GENERATED ALWAYS AS (CASE
        WHEN state IN ('pre-activation', 'active', 'suspended')
          THEN coalesce(originator_usage_end, recipient_usage_end)
        WHEN state IN ('deactivated', 'compromised', 'destruction-pending')
          THEN recipient_usage_end
      END) STORED) STRICT;
    CREATE INDEX keys_owner_state ON keys (owner, state);
    CREATE INDEX keys_state_due ON keys (state, due);
    CREATE INDEX keys_due ON keys (due);
    CREATE INDEX keys_name ON keys (name, id);`);
  const insert = db.prepare(
    `INSERT INTO keys (id, name, owner, state, originator_usage_end, recipient_usage_end,
      signing, published_until, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAll = db.transaction((keys: KeyView[]) => {
    for (const key of keys) {
      const signing =
        key.publicKey !== null && key.purposes.some((p) => p === 'sign' || p === 'ssh-auth');
      insert.run(
        key.id,
        key.name,
        key.owner,
        key.state,
        key.cryptoPeriod.originatorUsageEnd,
        key.cryptoPeriod.recipientUsageEnd,
        signing ? 1 : 0,
        key.publishedUntil,
        JSON.stringify(key),
      );
    }
  });
  return { db, insert: (keys: KeyView[]) => insertAll.immediate(keys) };
}

const KEY_ORDER = 'ORDER BY name, id';

/** One inventory query: as the CLI takes it, as listKeys' filter, and as plaintext SQL. */
export interface InventoryQuery {
  name: string;
  cli: string;
  filter: KeyFilter;
  sql: string;
  params: (ownerId: string, now: Date) => Array<string | number>;
}

/** The inventory queries the benchmark times, in the order it reports them. */
export const INVENTORY_QUERIES: InventoryQuery[] = [
  {
    name: 'firstPage',
    cli: 'keys list --limit 50',
    filter: { limit: 50 },
    sql: `SELECT json FROM keys ${KEY_ORDER} LIMIT 50`,
    params: () => [],
  },
  {
    name: 'ownerAndState',
    cli: `keys list --owner "${QUERY_OWNER}" --state active`,
    filter: { owner: QUERY_OWNER, state: 'active' },
    sql: `SELECT json FROM keys WHERE owner = ? AND state = 'active' ${KEY_ORDER}`,
    params: (owner) => [owner],
  },
  {
    name: 'dueWithin30Days',
    cli: `keys list --due-within ${DUE_WITHIN_DAYS}d`,
    filter: { dueWithinDays: DUE_WITHIN_DAYS },
    sql: `SELECT json FROM keys WHERE due <= ? ${KEY_ORDER}`,
    params: (_, now) => [horizon(now)],
  },
  {
    name: 'activeDueWithin30Days',
    cli: `keys list --state active --due-within ${DUE_WITHIN_DAYS}d`,
    filter: { state: 'active', dueWithinDays: DUE_WITHIN_DAYS },
    sql: `SELECT json FROM keys WHERE state = 'active' AND due <= ? ${KEY_ORDER}`,
    params: (_, now) => [horizon(now)],
  },
  {
    name: 'published',
    cli: 'keys list --published',
    filter: { published: true },
    sql: `SELECT json FROM keys WHERE signing = 1 AND (state = 'active' OR (state IN ('deactivated', 'suspended') AND published_until > ?)) ${KEY_ORDER}`,
    params: (_, now) => [now.toISOString()],
  },
];

function horizon(now: Date): string {
  return new Date(now.getTime() + DUE_WITHIN_DAYS * DAY_MS).toISOString();
}

/**
 * The plaintext inventory's reads, prepared once: a scan of every entry and each of
 * INVENTORY_QUERIES. Throws (a plain Error) when asked for a query it did not prepare.
 */
export function preparePlaintextReads(plaintext: PlaintextInventory) {
  const scan = plaintext.db.prepare<[], string>('SELECT json FROM keys').pluck();
  const statements = new Map(
    INVENTORY_QUERIES.map((query) => [
      query.name,
      plaintext.db.prepare<Array<string | number>, string>(query.sql).pluck(),
    ]),
  );
  return {
    /** Reads and parses every entry; returns how many (holding 100,000 would slow later GC). */
    scanAll: () => scan.all().map((json) => JSON.parse(json) as KeyView).length,
    /** The entries `query` selects, parsed, in the listing's order. */
    select(query: InventoryQuery, ownerId: string, now: Date): KeyView[] {
      const statement = statements.get(query.name);
      if (!statement) throw new Error(`no statement for ${query.name}`);
      return statement
        .all(...query.params(ownerId, now))
        .map((json) => JSON.parse(json) as KeyView);
    },
  };
}

/**
 * The raw-scan baseline: the vault file opened read-only, its `records` rows read in the
 * columns and order of RecordStore.list, nothing decrypted. Throws (SqliteError) when the
 * file cannot be opened.
 */
export function openRawScan(vaultPath: string) {
  const db = new Database(vaultPath, { readonly: true, fileMustExist: true });
  const rows = db.prepare<[string], { meta_ct: Buffer }>(
    'SELECT collection, record_id, version, tombstone, meta_nonce, meta_ct FROM records WHERE collection = ? ORDER BY record_id',
  );
  return {
    /** Reads every row of `collection`; returns the bytes of sealed metadata read. */
    scan(collection: string): number {
      let bytes = 0;
      for (const row of rows.iterate(collection)) bytes += row.meta_ct.length;
      return bytes;
    },
    close: () => db.close(),
  };
}
