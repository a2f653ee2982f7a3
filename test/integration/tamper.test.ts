import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeFields } from '../../electron/core/crypto/bytes.ts';
import { LATEST_FORMAT_VERSION } from '../../electron/core/vault/migrations.ts';
import { openVaultFile } from '../../electron/core/vault/vault.ts';
import type { UnlockedVault, UnlockFactor } from '../../electron/core/vault/vault.ts';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { runKeywarden } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import {
  makeVault,
  passphraseBytes,
  tempDir,
  TEST_PASSPHRASE,
  unlockVault,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Tampering with a real vault file from outside Keywarden, as an attacker with write access
// to the file (but not the passphrase) would: better-sqlite3 edits the locked vault directly,
// then the vault is reopened through the core API and the CLI. Every tamper must end in a
// KeywardenError with the right code and an actionable message: never a crash, never a
// record's wrong plaintext or metadata.
//
// One seed vault is built once (beforeAll); each test works on its own copy in a fresh temp
// folder. The seed's audit log:
//   #1 vault.init  #2 vault.unlock  #3 record.put alpha (v1)  #4 record.put alpha (v2)
//   #5 record.put beta  #6 record.put gamma  #7 recovery-key.add  #8 vault.lock (checkpoint)
//   #9 vault.unlock failure (recorded while locked, after the checkpoint)

const ACTOR = 'tester';
const COLLECTION = 'keys';

interface SeedRecord {
  meta: Record<string, unknown>;
  body: string;
  version: number;
}

const ALPHA_V1 = { meta: { name: 'alpha', owner: 'ops-old' }, body: 'alpha-secret-v1' };
const SEED: Record<'alpha' | 'beta' | 'gamma', SeedRecord> = {
  alpha: {
    meta: { name: 'alpha', owner: 'ops', labels: ['prod'] },
    body: 'alpha-secret-v2',
    version: 2,
  },
  beta: { meta: { name: 'beta', owner: 'dev' }, body: 'beta-secret', version: 1 },
  gamma: { meta: { name: 'gamma', owner: 'sec' }, body: 'gamma-secret', version: 1 },
};
type SeedId = keyof typeof SEED;
const SEED_IDS = Object.keys(SEED) as SeedId[];
const SEED_AUDIT_ENTRIES = 9;
const SEED_CHECKPOINT_SEQ = 8;

const RECORD_COLUMNS = [
  'meta_nonce',
  'meta_ct',
  'dek_nonce',
  'wrapped_dek',
  'body_nonce',
  'body_ct',
] as const;
type RecordColumn = (typeof RECORD_COLUMNS)[number];

let seedDir: TempDir;
let seedPath: string;
let recoveryKey: string;
const dirs: TempDir[] = [];

interface TestVault {
  path: string;
  passphraseFile: string;
  recoveryKeyFile: string;
  dir: TempDir;
}

beforeAll(async () => {
  seedDir = tempDir('keywarden-tamper-seed-');
  seedPath = seedDir.file('seed.kw');
  await makeVault(seedPath);
  const vault = await unlockVault(seedPath);
  try {
    vault.putRecord(ACTOR, COLLECTION, 'alpha', ALPHA_V1.meta, Buffer.from(ALPHA_V1.body));
    for (const id of SEED_IDS) {
      vault.putRecord(ACTOR, COLLECTION, id, SEED[id].meta, Buffer.from(SEED[id].body));
    }
    recoveryKey = vault.addRecoveryKey(ACTOR, false).recoveryKey;
  } finally {
    vault.lock(ACTOR);
  }
  // A failed unlock attempt, recorded while locked: it sits after the MAC'd checkpoint.
  const file = openVaultFile(realDeps(), seedPath, 'read-write');
  try {
    await file
      .unlock({ kind: 'passphrase', passphrase: passphraseBytes('not the passphrase') }, 'intruder')
      .then(
        () => expect.fail('a wrong passphrase unlocked the seed vault'),
        (error: unknown) => expect(error).toMatchObject({ code: ErrorCode.PASSPHRASE_INCORRECT }),
      );
  } finally {
    file.close();
  }
});

afterAll(() => seedDir?.cleanup());

afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

/** A copy of the seed vault in a fresh temp folder, with passphrase and recovery-key files. */
function freshVault(): TestVault {
  const dir = tempDir('keywarden-tamper-');
  dirs.push(dir);
  const path = dir.file('vault.kw');
  for (const suffix of ['', '-wal']) {
    if (existsSync(`${seedPath}${suffix}`))
      copyFileSync(`${seedPath}${suffix}`, `${path}${suffix}`);
  }
  const passphraseFile = dir.file('passphrase.txt');
  writeFileSync(passphraseFile, `${TEST_PASSPHRASE}\n`, { mode: 0o600 });
  const recoveryKeyFile = dir.file('recovery-key.txt');
  writeFileSync(recoveryKeyFile, `${recoveryKey}\n`, { mode: 0o600 });
  return { path, passphraseFile, recoveryKeyFile, dir };
}

/** Edits the (locked, closed) vault file directly, as an attacker would. */
function tamper<T>(path: string, edit: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return edit(db);
  } finally {
    db.close();
  }
}

function flipByte(value: Buffer, index: number): Buffer {
  const out = Buffer.from(value);
  out.writeUInt8(out.readUInt8(index) ^ 0x5a, index);
  return out;
}

function positionIn(length: number, position: 'first' | 'middle' | 'last'): number {
  if (position === 'first') return 0;
  if (position === 'last') return length - 1;
  return Math.floor(length / 2);
}

type RecordRow = Record<'collection' | 'record_id', string> & { version: number } & Record<
    RecordColumn,
    Buffer
  >;

function readRecordRow(db: Database.Database, recordId: string): RecordRow {
  const row = db
    .prepare('SELECT * FROM records WHERE collection = ? AND record_id = ?')
    .get(COLLECTION, recordId) as RecordRow | undefined;
  if (!row) throw new Error(`no row for ${recordId}`);
  return row;
}

function writeRecordColumns(
  db: Database.Database,
  recordId: string,
  values: Partial<Record<RecordColumn | 'version', Buffer | number | bigint>>,
): void {
  const names = Object.keys(values);
  db.prepare(
    `UPDATE records SET ${names.map((name) => `${name} = ?`).join(', ')} WHERE collection = ? AND record_id = ?`,
  ).run(...Object.values(values), COLLECTION, recordId);
}

/** What `action` throws, or undefined. */
function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function catchError(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Asserts a KeywardenError with one of `codes` and a message a person can act on: not empty,
 * free of the passphrase, and matching `hint` when given.
 */
function expectKeywardenError(
  error: unknown,
  codes: ErrorCode | ErrorCode[],
  hint?: RegExp,
): KeywardenError {
  if (error === undefined) expect.fail('the tampered vault was accepted: nothing was thrown');
  if (!(error instanceof KeywardenError)) {
    expect.fail(
      `expected a KeywardenError (${[codes].flat().join(' or ')}), but got a crash: ${
        error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      }`,
    );
  }
  expect([codes].flat(), error.message).toContain(error.code);
  expect(error.message.trim().length).toBeGreaterThan(20);
  expect(error.message).not.toContain(TEST_PASSPHRASE);
  if (hint) expect(error.message).toMatch(hint);
  return error;
}

const passphraseFactor = (): UnlockFactor => ({
  kind: 'passphrase',
  passphrase: passphraseBytes(),
});
const recoveryFactor = (): UnlockFactor => ({
  kind: 'recovery-key',
  recoveryKey: Buffer.from(recoveryKey, 'utf8'),
});

async function unlockWith(path: string, factor: UnlockFactor): Promise<UnlockedVault> {
  const file = openVaultFile(realDeps(), path, 'read-write');
  try {
    return await file.unlock(factor, ACTOR);
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Unlocking must be refused with one of `codes`; a vault that does unlock is locked again. */
async function expectUnlockRefused(
  path: string,
  codes: ErrorCode | ErrorCode[],
  hint?: RegExp,
  factor: UnlockFactor = passphraseFactor(),
): Promise<KeywardenError> {
  let vault: UnlockedVault | undefined;
  const error = await catchError(async () => {
    vault = await unlockWith(path, factor);
  });
  vault?.lock(ACTOR);
  return expectKeywardenError(error, codes, hint);
}

const BACKUP = /backup/i;
const NAMES_ENTRY = /#\d+/;

type ReadOutcome = 'correct' | 'tampered';

/**
 * Runs one read: it must either throw RECORD_TAMPERED or return exactly the original data.
 * Returns which of the two happened.
 */
function attemptRead<T>(
  read: () => T,
  expected: unknown,
  normalise: (value: T) => unknown = (v) => v,
): ReadOutcome {
  let value: T;
  try {
    value = read();
  } catch (error) {
    expectKeywardenError(error, ErrorCode.RECORD_TAMPERED, BACKUP);
    return 'tampered';
  }
  expect(normalise(value), 'a tampered vault returned wrong data').toEqual(expected);
  return 'correct';
}

function seedSummary(id: SeedId) {
  return { collection: COLLECTION, recordId: id, version: SEED[id].version, meta: SEED[id].meta };
}

/** getRecord / readRecordBody / listRecords of one record: each detects or returns the truth. */
function probeRecord(vault: UnlockedVault, id: SeedId) {
  return {
    meta: attemptRead(() => vault.getRecord(COLLECTION, id), seedSummary(id)),
    body: attemptRead(
      () => vault.readRecordBody(ACTOR, COLLECTION, id),
      SEED[id].body,
      (body) => body.toString('utf8'),
    ),
    list: attemptRead(() => vault.listRecords(COLLECTION), SEED_IDS.map(seedSummary)),
  };
}

function expectStatusTampered(vault: UnlockedVault): void {
  expectKeywardenError(
    thrown(() => vault.status(ACTOR)),
    ErrorCode.RECORD_TAMPERED,
    BACKUP,
  );
}

function expectCliFailure(
  result: CliResult,
  exit: number | 'nonzero',
  code: ErrorCode,
  ...patterns: RegExp[]
): void {
  expect({ stderr: result.stderr }).toMatchObject({
    stderr: expect.stringContaining(`error [${code}]`),
  });
  if (exit === 'nonzero') expect(result.code).not.toBe(0);
  else expect(result.code).toBe(exit);
  const output = result.stdout + result.stderr;
  for (const pattern of patterns) expect(output).toMatch(pattern);
  expect(output).not.toContain(TEST_PASSPHRASE);
}

describe('the untampered seed vault (control)', () => {
  it('unlocks, reads every record correctly and passes every check', async () => {
    const { path, passphraseFile } = freshVault();
    const vault = await unlockVault(path);
    try {
      for (const id of SEED_IDS) {
        expect(probeRecord(vault, id)).toEqual({
          meta: 'correct',
          body: 'correct',
          list: 'correct',
        });
      }
      expect(vault.status(ACTOR).authenticated).toBe(SEED_IDS.length);
      expect(vault.verifyAudit()).toMatchObject({ intact: true, checkpoint: 'verified' });
    } finally {
      vault.lock(ACTOR);
    }
    const unkeyed = await runKeywarden(['audit', 'verify', '--vault', path]);
    expect(unkeyed).toMatchObject({ code: 0, stdout: expect.stringContaining('intact') });
    const keyed = await runKeywarden([
      'audit',
      'verify',
      '--vault',
      path,
      '--passphrase-file',
      passphraseFile,
    ]);
    expect(keyed).toMatchObject({ code: 0, stdout: expect.stringContaining('verified') });
    const status = await runKeywarden([
      'status',
      '--vault',
      path,
      '--passphrase-file',
      passphraseFile,
    ]);
    expect(status).toMatchObject({ code: 0, stdout: expect.stringContaining('Authenticated') });
  });
});

describe('records', () => {
  const POSITIONS = ['first', 'middle', 'last'] as const;
  const byteFlips = RECORD_COLUMNS.flatMap((column) =>
    POSITIONS.map((position) => ({ column, position })),
  );

  it.each(byteFlips)(
    'flipping the $position byte of $column is detected on read, and no wrong data is returned',
    async ({ column, position }) => {
      const { path } = freshVault();
      tamper(path, (db) => {
        const value = readRecordRow(db, 'alpha')[column];
        writeRecordColumns(db, 'alpha', {
          [column]: flipByte(value, positionIn(value.length, position)),
        });
      });
      // A flipped ciphertext or nonce leaves the record set intact, so unlock may succeed;
      // the record must fail authentication where it is opened.
      const vault = await unlockVault(path);
      try {
        const outcome = probeRecord(vault, 'alpha');
        if (column.startsWith('meta_')) {
          expect(outcome).toMatchObject({ meta: 'tampered', list: 'tampered' });
        } else {
          expect(outcome).toMatchObject({ body: 'tampered' });
        }
        expectStatusTampered(vault);
        // The other records are still readable, and the vault still works.
        expect(vault.readRecordBody(ACTOR, COLLECTION, 'gamma').toString('utf8')).toBe(
          SEED.gamma.body,
        );
      } finally {
        vault.lock(ACTOR);
      }
    },
  );

  it.each([
    { change: 'emptied', column: 'meta_nonce', edit: () => Buffer.alloc(0) },
    { change: 'emptied', column: 'body_ct', edit: () => Buffer.alloc(0) },
    {
      change: 'cut short by one byte',
      column: 'wrapped_dek',
      edit: (v: Buffer) => v.subarray(0, -1),
    },
    {
      change: 'extended by one byte',
      column: 'body_nonce',
      edit: (v: Buffer) => Buffer.concat([v, Buffer.of(0)]),
    },
    {
      change: 'replaced with random bytes',
      column: 'meta_ct',
      edit: (v: Buffer) => randomBytes(v.length),
    },
  ] as const)('$column $change is detected on read', async ({ column, edit }) => {
    const { path } = freshVault();
    tamper(path, (db) => {
      writeRecordColumns(db, 'beta', { [column]: edit(readRecordRow(db, 'beta')[column]) });
    });
    const vault = await unlockVault(path);
    try {
      const outcome = probeRecord(vault, 'beta');
      expect(Object.values(outcome)).toContain('tampered');
      expectStatusTampered(vault);
    } finally {
      vault.lock(ACTOR);
    }
  });

  it.each([
    { change: 'raised by one', version: 3n },
    { change: 'lowered by one', version: 1n },
    { change: 'set to 0', version: 0n },
    { change: 'set to -1', version: -1n },
    { change: 'set to 2^62', version: 2n ** 62n },
  ])('a record version $change is detected at unlock (RECORD_TAMPERED)', async ({ version }) => {
    const { path } = freshVault();
    tamper(path, (db) => writeRecordColumns(db, 'alpha', { version }));
    await expectUnlockRefused(path, ErrorCode.RECORD_TAMPERED, BACKUP);
  });

  it('a flipped byte of the header record set is detected at unlock', async () => {
    const { path } = freshVault();
    tamper(path, (db) => {
      const { record_set } = db.prepare('SELECT record_set FROM vault_header').get() as {
        record_set: Buffer;
      };
      db.prepare('UPDATE vault_header SET record_set = ?').run(flipByte(record_set, 7));
    });
    await expectUnlockRefused(path, ErrorCode.RECORD_TAMPERED, BACKUP);
  });

  it('the CLI status with an unlock option exits 4 on a flipped record byte', async () => {
    const { path, passphraseFile } = freshVault();
    tamper(path, (db) => {
      const value = readRecordRow(db, 'beta').body_ct;
      writeRecordColumns(db, 'beta', {
        body_ct: flipByte(value, positionIn(value.length, 'middle')),
      });
    });
    const result = await runKeywarden([
      'status',
      '--vault',
      path,
      '--passphrase-file',
      passphraseFile,
    ]);
    expectCliFailure(result, 4, ErrorCode.RECORD_TAMPERED, BACKUP);
  });
});

describe('swapped records', () => {
  const groups: Record<string, RecordColumn[]> = {
    'metadata (meta_nonce, meta_ct)': ['meta_nonce', 'meta_ct'],
    'data keys (dek_nonce, wrapped_dek)': ['dek_nonce', 'wrapped_dek'],
    'bodies (body_nonce, body_ct)': ['body_nonce', 'body_ct'],
    'all ciphertext columns': [...RECORD_COLUMNS],
  };

  it.each(Object.entries(groups))(
    'swapping the %s of two records is detected on read (RECORD_TAMPERED)',
    async (_name, columns) => {
      const { path } = freshVault();
      tamper(path, (db) => {
        const beta = readRecordRow(db, 'beta');
        const gamma = readRecordRow(db, 'gamma');
        const pick = (row: RecordRow) => Object.fromEntries(columns.map((c) => [c, row[c]]));
        db.transaction(() => {
          writeRecordColumns(db, 'beta', pick(gamma));
          writeRecordColumns(db, 'gamma', pick(beta));
        })();
      });
      const vault = await unlockVault(path);
      try {
        for (const id of ['beta', 'gamma'] as const) {
          const outcome = probeRecord(vault, id);
          if (columns.includes('meta_ct'))
            expect(outcome).toMatchObject({ meta: 'tampered', list: 'tampered' });
          if (columns.includes('body_ct') || columns.includes('wrapped_dek')) {
            expect(outcome).toMatchObject({ body: 'tampered' });
          }
        }
        expectStatusTampered(vault);
        expect(vault.readRecordBody(ACTOR, COLLECTION, 'alpha').toString('utf8')).toBe(
          SEED.alpha.body,
        );
      } finally {
        vault.lock(ACTOR);
      }
    },
  );

  it("swapping two records' ids (same version) never returns one record's data under the other's id", async () => {
    const { path } = freshVault();
    tamper(path, (db) => {
      db.transaction(() => {
        db.prepare("UPDATE records SET record_id = 'tmp' WHERE record_id = 'beta'").run();
        db.prepare("UPDATE records SET record_id = 'beta' WHERE record_id = 'gamma'").run();
        db.prepare("UPDATE records SET record_id = 'gamma' WHERE record_id = 'tmp'").run();
      })();
    });
    // The record-set accumulator is unchanged by the swap, so unlock may pass; every read
    // of either record must then fail.
    let vault: UnlockedVault | undefined;
    const error = await catchError(async () => {
      vault = await unlockVault(path);
    });
    if (!vault) {
      expectKeywardenError(error, ErrorCode.RECORD_TAMPERED, BACKUP);
      return;
    }
    try {
      for (const id of ['beta', 'gamma'] as const) {
        expect(probeRecord(vault, id)).toEqual({
          meta: 'tampered',
          body: 'tampered',
          list: 'tampered',
        });
      }
      expectStatusTampered(vault);
    } finally {
      vault.lock(ACTOR);
    }
  });
});

describe('removed, added, moved and rolled-back records', () => {
  it.each([
    {
      name: 'deleting a record row',
      edit: (db: Database.Database) =>
        db.prepare("DELETE FROM records WHERE record_id = 'beta'").run(),
    },
    {
      name: 'inserting a copy of a row under another id',
      edit: (db: Database.Database) =>
        db
          .prepare(
            "INSERT INTO records (collection, record_id, version, meta_nonce, meta_ct, dek_nonce, wrapped_dek, body_nonce, body_ct) SELECT collection, 'beta-copy', version, meta_nonce, meta_ct, dek_nonce, wrapped_dek, body_nonce, body_ct FROM records WHERE record_id = 'beta'",
          )
          .run(),
    },
    {
      name: 'renaming a record',
      edit: (db: Database.Database) =>
        db.prepare("UPDATE records SET record_id = 'beta2' WHERE record_id = 'beta'").run(),
    },
    {
      name: 'moving a record to another collection',
      edit: (db: Database.Database) =>
        db.prepare("UPDATE records SET collection = 'certs' WHERE record_id = 'beta'").run(),
    },
  ])('$name is detected at unlock (RECORD_TAMPERED)', async ({ edit }) => {
    const { path } = freshVault();
    tamper(path, edit);
    await expectUnlockRefused(path, ErrorCode.RECORD_TAMPERED, BACKUP);
  });

  it('the CLI status with an unlock option exits 4 on a deleted record', async () => {
    const { path, passphraseFile } = freshVault();
    tamper(path, (db) => db.prepare("DELETE FROM records WHERE record_id = 'gamma'").run());
    const result = await runKeywarden([
      'status',
      '--vault',
      path,
      '--passphrase-file',
      passphraseFile,
    ]);
    expectCliFailure(result, 4, ErrorCode.RECORD_TAMPERED, BACKUP);
  });

  interface Snapshot {
    row: RecordRow;
    recordSet: Buffer;
    checkpoint: { seq: number; hash: Buffer; mac: Buffer };
  }

  it.each([
    {
      name: 'the v1 row alone',
      restoreSet: false,
      restoreCheckpoint: false,
      codes: [ErrorCode.RECORD_TAMPERED],
    },
    {
      name: 'the v1 row and the header record set of that time',
      restoreSet: true,
      restoreCheckpoint: false,
      codes: [ErrorCode.AUDIT_CHAIN_BROKEN, ErrorCode.RECORD_TAMPERED],
    },
    {
      name: 'the v1 row, the header record set and the audit checkpoint of that time',
      restoreSet: true,
      restoreCheckpoint: true,
      codes: [ErrorCode.AUDIT_CHAIN_BROKEN, ErrorCode.RECORD_TAMPERED],
    },
  ])(
    'rolling a record back to v1 by restoring $name is detected at unlock',
    async ({ restoreSet, restoreCheckpoint, codes }) => {
      const { path } = freshVault();
      let vault = await unlockVault(path);
      try {
        vault.putRecord(
          ACTOR,
          COLLECTION,
          'delta',
          { name: 'delta', rev: 1 },
          Buffer.from('delta-v1'),
        );
      } finally {
        vault.lock(ACTOR);
      }
      const old = tamper(path, (db): Snapshot => ({
        row: readRecordRow(db, 'delta'),
        recordSet: (
          db.prepare('SELECT record_set FROM vault_header').get() as { record_set: Buffer }
        ).record_set,
        checkpoint: db
          .prepare('SELECT seq, hash, mac FROM audit_checkpoint')
          .get() as Snapshot['checkpoint'],
      }));
      vault = await unlockVault(path);
      try {
        expect(
          vault.putRecord(
            ACTOR,
            COLLECTION,
            'delta',
            { name: 'delta', rev: 2 },
            Buffer.from('delta-v2'),
          ),
        ).toBe(2);
      } finally {
        vault.lock(ACTOR);
      }
      tamper(path, (db) => {
        // The v1 row is internally valid: its AAD names version 1.
        writeRecordColumns(db, 'delta', {
          version: old.row.version,
          ...Object.fromEntries(RECORD_COLUMNS.map((c) => [c, old.row[c]])),
        });
        if (restoreSet) db.prepare('UPDATE vault_header SET record_set = ?').run(old.recordSet);
        if (restoreCheckpoint) {
          db.prepare('UPDATE audit_checkpoint SET seq = ?, hash = ?, mac = ?').run(
            old.checkpoint.seq,
            old.checkpoint.hash,
            old.checkpoint.mac,
          );
        }
      });
      const error = await expectUnlockRefused(path, codes);
      expect(error.message).toMatch(
        error.code === ErrorCode.RECORD_TAMPERED ? BACKUP : /audit verify|backup/i,
      );
    },
  );
});

describe('the header and unlock slots', () => {
  function slotParams(db: Database.Database, kind: string): Record<string, unknown> {
    const row = db.prepare('SELECT params FROM unlock_slots WHERE kind = ?').get(kind) as {
      params: string;
    };
    return JSON.parse(row.params) as Record<string, unknown>;
  }
  function setSlotParams(db: Database.Database, kind: string, params: unknown): void {
    db.prepare('UPDATE unlock_slots SET params = ? WHERE kind = ?').run(
      typeof params === 'string' ? params : JSON.stringify(params),
      kind,
    );
  }

  it.each([
    {
      name: 'deleting the recovery-key slot, then unlocking with the passphrase',
      edit: (db: Database.Database) =>
        db.prepare("DELETE FROM unlock_slots WHERE kind = 'recovery-key'").run(),
      factor: passphraseFactor,
    },
    {
      name: 'deleting the passphrase slot, then unlocking with the recovery key',
      edit: (db: Database.Database) =>
        db.prepare("DELETE FROM unlock_slots WHERE kind = 'passphrase'").run(),
      factor: recoveryFactor,
    },
    {
      name: 'naming the recovery slot outside Keywarden',
      edit: (db: Database.Database) =>
        db.prepare("UPDATE unlock_slots SET name = 'mine' WHERE kind = 'recovery-key'").run(),
      factor: passphraseFactor,
    },
    {
      name: 'adding a copy of the passphrase slot',
      edit: (db: Database.Database) =>
        db
          .prepare(
            "INSERT INTO unlock_slots SELECT 3, kind, params, nonce, wrapped_vmk, created_at, name FROM unlock_slots WHERE kind = 'passphrase'",
          )
          .run(),
      factor: passphraseFactor,
    },
    {
      name: "raising the passphrase slot's iterations (in range), then unlocking with the recovery key",
      edit: (db: Database.Database) =>
        setSlotParams(db, 'passphrase', { ...slotParams(db, 'passphrase'), iterations: 3 }),
      factor: recoveryFactor,
    },
    {
      name: "changing the recovery slot's salt, then unlocking with the passphrase",
      edit: (db: Database.Database) =>
        setSlotParams(db, 'recovery-key', {
          ...slotParams(db, 'recovery-key'),
          salt: randomBytes(16).toString('base64'),
        }),
      factor: passphraseFactor,
    },
    {
      name: "flipping a byte of the recovery slot's wrapped key, then unlocking with the passphrase",
      edit: (db: Database.Database) => {
        const row = db
          .prepare("SELECT wrapped_vmk FROM unlock_slots WHERE kind = 'recovery-key'")
          .get() as {
          wrapped_vmk: Buffer;
        };
        db.prepare("UPDATE unlock_slots SET wrapped_vmk = ? WHERE kind = 'recovery-key'").run(
          flipByte(row.wrapped_vmk, 5),
        );
      },
      factor: passphraseFactor,
    },
    {
      name: "changing the recovery slot's kind, then unlocking with the passphrase",
      edit: (db: Database.Database) =>
        db.prepare("UPDATE unlock_slots SET kind = 'passphrase' WHERE kind = 'recovery-key'").run(),
      factor: passphraseFactor,
    },
    {
      name: 'flipping a byte of header_mac',
      edit: (db: Database.Database) => {
        const row = db.prepare('SELECT header_mac FROM vault_header').get() as {
          header_mac: Buffer;
        };
        db.prepare('UPDATE vault_header SET header_mac = ?').run(flipByte(row.header_mac, 0));
      },
      factor: passphraseFactor,
    },
    {
      name: 'replacing header_mac with zeros',
      edit: (db: Database.Database) =>
        db.prepare('UPDATE vault_header SET header_mac = zeroblob(32)').run(),
      factor: passphraseFactor,
    },
  ])('$name is detected at unlock (VAULT_HEADER_TAMPERED)', async ({ edit, factor }) => {
    const { path } = freshVault();
    tamper(path, edit);
    await expectUnlockRefused(path, ErrorCode.VAULT_HEADER_TAMPERED, BACKUP, factor());
  });

  it.each([
    { name: 'iterations below the floor (1)', change: { iterations: 1 } },
    { name: 'absurd memory (2^40 KiB)', change: { memoryKiB: 2 ** 40 } },
    { name: 'a non-integer parallelism', change: { parallelism: 1.5 } },
    { name: 'a memory given as a string', change: { memoryKiB: '19456' } },
    { name: 'another KDF name', change: { kdf: 'pbkdf2' } },
  ])(
    'passphrase slot parameters with $name are refused before deriving (VAULT_HEADER_TAMPERED)',
    async ({ change }) => {
      const { path } = freshVault();
      tamper(path, (db) =>
        setSlotParams(db, 'passphrase', { ...slotParams(db, 'passphrase'), ...change }),
      );
      await expectUnlockRefused(path, ErrorCode.VAULT_HEADER_TAMPERED, BACKUP);
    },
  );

  it('passphrase slot parameters that are not JSON are refused (VAULT_HEADER_TAMPERED)', async () => {
    const { path } = freshVault();
    tamper(path, (db) => setSlotParams(db, 'passphrase', '{"kdf":"argon2id",'));
    await expectUnlockRefused(path, ErrorCode.VAULT_HEADER_TAMPERED, BACKUP);
  });

  it("raising the passphrase slot's iterations (in range) refuses the passphrase", async () => {
    // The KEK then differs, so a passphrase-only unlock cannot tell this from a wrong
    // passphrase; what matters is that it never opens. The recovery key names the tamper
    // (tested above).
    const { path } = freshVault();
    tamper(path, (db) =>
      setSlotParams(db, 'passphrase', { ...slotParams(db, 'passphrase'), iterations: 3 }),
    );
    await expectUnlockRefused(path, [
      ErrorCode.VAULT_HEADER_TAMPERED,
      ErrorCode.PASSPHRASE_INCORRECT,
    ]);
  });

  it('changing the vault id refuses every factor', async () => {
    const { path } = freshVault();
    tamper(path, (db) => db.prepare('UPDATE vault_header SET vault_id = ?').run(randomBytes(16)));
    await expectUnlockRefused(path, [
      ErrorCode.VAULT_HEADER_TAMPERED,
      ErrorCode.PASSPHRASE_INCORRECT,
    ]);
    await expectUnlockRefused(
      path,
      [ErrorCode.VAULT_HEADER_TAMPERED, ErrorCode.RECOVERY_KEY_INCORRECT],
      undefined,
      recoveryFactor(),
    );
  });

  it.each([
    {
      name: "the vault's creation time",
      sql: "UPDATE vault_header SET created_at = '1999-01-01T00:00:00.000Z'",
    },
    {
      name: "a slot's creation time",
      sql: "UPDATE unlock_slots SET created_at = '1999-01-01T00:00:00.000Z' WHERE kind = 'recovery-key'",
    },
  ])(
    'editing $name (shown by status) is detected at unlock (VAULT_HEADER_TAMPERED)',
    async ({ sql }) => {
      const { path } = freshVault();
      tamper(path, (db) => db.prepare(sql).run());
      await expectUnlockRefused(path, ErrorCode.VAULT_HEADER_TAMPERED, BACKUP);
    },
  );

  it('a deleted header row is reported on open, locked or not (VAULT_HEADER_TAMPERED, CLI exit 4)', async () => {
    const { path, passphraseFile } = freshVault();
    tamper(path, (db) => db.prepare('DELETE FROM vault_header').run());
    expectKeywardenError(
      await catchError(() => openVaultFile(realDeps(), path, 'read-only').close()),
      ErrorCode.VAULT_HEADER_TAMPERED,
      BACKUP,
    );
    expectCliFailure(
      await runKeywarden(['status', '--vault', path]),
      4,
      ErrorCode.VAULT_HEADER_TAMPERED,
      BACKUP,
    );
    expectCliFailure(
      await runKeywarden(['status', '--vault', path, '--passphrase-file', passphraseFile]),
      4,
      ErrorCode.VAULT_HEADER_TAMPERED,
      BACKUP,
    );
  });

  it('the CLI status with an unlock option exits 4 on a corrupted header MAC', async () => {
    const { path, passphraseFile, recoveryKeyFile } = freshVault();
    tamper(path, (db) => {
      const row = db.prepare('SELECT header_mac FROM vault_header').get() as { header_mac: Buffer };
      db.prepare('UPDATE vault_header SET header_mac = ?').run(flipByte(row.header_mac, 31));
    });
    for (const unlockOption of [
      ['--passphrase-file', passphraseFile],
      ['--recovery-key-file', recoveryKeyFile],
    ]) {
      const result = await runKeywarden(['status', '--vault', path, ...unlockOption]);
      expectCliFailure(result, 4, ErrorCode.VAULT_HEADER_TAMPERED, BACKUP);
      expect(result.stdout + result.stderr).not.toContain(recoveryKey);
    }
  });
});

describe('the audit log', () => {
  interface AuditRow {
    seq: number;
    at: string;
    actor: string;
    action: string;
    target: string;
    outcome: string;
    detail: string;
    prev_hash: Buffer;
    hash: Buffer;
  }

  // The chain, reimplemented from audit-log.ts so a forger's recomputed chain is exact.
  function genesisHash(vaultId: Buffer): Buffer {
    return createHash('sha256')
      .update(encodeFields('keywarden/v1/audit-genesis', vaultId))
      .digest();
  }
  function entryHash(prevHash: Buffer, row: AuditRow): Buffer {
    return createHash('sha256')
      .update(
        encodeFields(
          'keywarden/v1/audit-entry',
          prevHash,
          row.seq,
          row.at,
          row.actor,
          row.action,
          row.target,
          row.outcome,
          row.detail,
        ),
      )
      .digest();
  }
  /** Renumbers from 1 and recomputes every prev_hash and hash, as a forger would. */
  function rechain(vaultId: Buffer, rows: AuditRow[]): AuditRow[] {
    let prev = genesisHash(vaultId);
    return rows.map((row, index) => {
      const next = { ...row, seq: index + 1, prev_hash: prev };
      next.hash = entryHash(prev, next);
      prev = next.hash;
      return next;
    });
  }

  function readAudit(db: Database.Database): AuditRow[] {
    return db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];
  }
  function vaultIdOf(db: Database.Database): Buffer {
    return (db.prepare('SELECT vault_id FROM vault_header').get() as { vault_id: Buffer }).vault_id;
  }
  function dropAuditTriggers(db: Database.Database): void {
    db.exec(
      'DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;',
    );
  }
  /** Replaces the whole log with `edit(rows)` (triggers dropped first, as an attacker would). */
  function rewriteAudit(
    db: Database.Database,
    edit: (rows: AuditRow[], vaultId: Buffer) => AuditRow[],
  ): void {
    dropAuditTriggers(db);
    const rows = edit(readAudit(db), vaultIdOf(db));
    const insert = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, target, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      db.prepare('DELETE FROM audit_log').run();
      for (const r of rows)
        insert.run(
          r.seq,
          r.at,
          r.actor,
          r.action,
          r.target,
          r.outcome,
          r.detail,
          r.prev_hash,
          r.hash,
        );
    })();
  }
  const renumber = (rows: AuditRow[]) => rows.map((row, index) => ({ ...row, seq: index + 1 }));

  it('the seed log is what these tests assume, and the reimplemented chain matches it', () => {
    const { path } = freshVault();
    tamper(path, (db) => {
      const rows = readAudit(db);
      expect(rows.map((row) => row.action)).toEqual([
        'vault.init',
        'vault.unlock',
        'record.put',
        'record.put',
        'record.put',
        'record.put',
        'recovery-key.add',
        'vault.lock',
        'vault.unlock',
      ]);
      expect(rows).toHaveLength(SEED_AUDIT_ENTRIES);
      expect(rechain(vaultIdOf(db), rows)).toEqual(rows);
      expect(db.prepare('SELECT seq FROM audit_checkpoint').get()).toEqual({
        seq: SEED_CHECKPOINT_SEQ,
      });
    });
  });

  const field = (name: keyof AuditRow, value: string) => (db: Database.Database) => {
    dropAuditTriggers(db);
    db.prepare(`UPDATE audit_log SET ${name} = ? WHERE seq = 3`).run(value);
  };

  it.each([
    { name: 'editing the actor of #3', edit: field('actor', 'mallory'), bad: [3] },
    { name: 'editing the action of #3', edit: field('action', 'record.read-secret'), bad: [3] },
    { name: 'editing the target of #3', edit: field('target', 'keys/other'), bad: [3] },
    { name: 'editing the outcome of #3', edit: field('outcome', 'failure'), bad: [3] },
    {
      name: 'editing the detail of #3',
      edit: field('detail', '{"note":"nothing to see"}'),
      bad: [3],
    },
    { name: 'editing the time of #3', edit: field('at', '2001-01-01T00:00:00.000Z'), bad: [3] },
    {
      name: 'deleting #5',
      edit: (db: Database.Database) => {
        dropAuditTriggers(db);
        db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
      },
      bad: [5, 6],
    },
    {
      name: 'deleting #5 and renumbering the rest',
      edit: (db: Database.Database) =>
        rewriteAudit(db, (rows) => renumber(rows.filter((r) => r.seq !== 5))),
      bad: [5],
    },
    {
      name: 'inserting a copy of #3 as #4 (renumbering the rest)',
      edit: (db: Database.Database) =>
        rewriteAudit(db, (rows) => renumber([...rows.slice(0, 3), rows[2]!, ...rows.slice(3)])),
      bad: [4, 5],
    },
    {
      name: 'inserting a self-consistent forged entry as #4 (renumbering the rest)',
      edit: (db: Database.Database) =>
        rewriteAudit(db, (rows) => {
          const third = rows[2]!;
          const forged = { ...third, seq: 4, action: 'record.read-secret', prev_hash: third.hash };
          forged.hash = entryHash(third.hash, forged);
          return [
            ...rows.slice(0, 3),
            forged,
            ...rows.slice(3).map((r) => ({ ...r, seq: r.seq + 1 })),
          ];
        }),
      bad: [4, 5],
    },
    {
      name: 'swapping #2 and #3',
      edit: (db: Database.Database) =>
        rewriteAudit(db, (rows) => renumber([rows[0]!, rows[2]!, rows[1]!, ...rows.slice(3)])),
      bad: [2, 3],
    },
    {
      name: 'swapping the seq numbers of #6 and #7',
      edit: (db: Database.Database) =>
        rewriteAudit(db, (rows) =>
          rows.map((r) => (r.seq === 6 ? { ...r, seq: 7 } : r.seq === 7 ? { ...r, seq: 6 } : r)),
        ),
      bad: [6, 7],
    },
  ])(
    '$name is reported by "audit verify" without unlocking (exit 4, names the entry)',
    async ({ edit, bad }) => {
      const { path } = freshVault();
      tamper(path, edit);
      const names = new RegExp(`#(${bad.join('|')})\\b`);
      // The CLI, locked: exit 4 and the first bad entry named.
      const result = await runKeywarden(['audit', 'verify', '--vault', path]);
      expectCliFailure(result, 4, ErrorCode.AUDIT_CHAIN_BROKEN, names);
      // The core, locked.
      const file = openVaultFile(realDeps(), path, 'read-only');
      try {
        const verification = file.verifyAuditChain();
        expect(verification.intact).toBe(false);
        expect(bad).toContain(verification.firstBad?.seq);
        expect(verification.firstBad?.reason.length).toBeGreaterThan(10);
      } finally {
        file.close();
      }
      // With the key: unlock may refuse (it checks the chain from the MAC'd checkpoint on);
      // if it lets the vault open, the keyed verification and status must still fail.
      let vault: UnlockedVault | undefined;
      const error = await catchError(async () => {
        vault = await unlockVault(path);
      });
      if (!vault) {
        expectKeywardenError(error, ErrorCode.AUDIT_CHAIN_BROKEN, NAMES_ENTRY);
        expect((error as Error).message).toMatch(/audit verify|backup/i);
        return;
      }
      try {
        const keyed = vault.verifyAudit();
        expect(keyed.intact).toBe(false);
        expect(bad).toContain(keyed.firstBad?.seq);
        const unlocked = vault;
        expectKeywardenError(
          thrown(() => unlocked.status(ACTOR)),
          ErrorCode.AUDIT_CHAIN_BROKEN,
          names,
        );
      } finally {
        vault.lock(ACTOR);
      }
    },
  );

  it.each([
    {
      name: 'edits #3 and recomputes every following hash',
      forge: (rows: AuditRow[], vaultId: Buffer) =>
        rechain(
          vaultId,
          rows.map((r) => (r.seq === 3 ? { ...r, actor: 'mallory' } : r)),
        ),
      checkpoint: 'keep',
    },
    {
      name: "edits #3, recomputes every hash and moves the checkpoint's hash to match",
      forge: (rows: AuditRow[], vaultId: Buffer) =>
        rechain(
          vaultId,
          rows.map((r) => (r.seq === 3 ? { ...r, target: 'keys/elsewhere' } : r)),
        ),
      checkpoint: 'follow',
    },
    {
      name: 'deletes #5, renumbers, recomputes every hash and moves the checkpoint to match',
      forge: (rows: AuditRow[], vaultId: Buffer) =>
        rechain(
          vaultId,
          rows.filter((r) => r.seq !== 5),
        ),
      checkpoint: 'follow',
    },
    {
      name: 'inserts a forged #4, renumbers and recomputes every hash',
      forge: (rows: AuditRow[], vaultId: Buffer) =>
        rechain(vaultId, [
          ...rows.slice(0, 3),
          { ...rows[2]!, action: 'record.read-secret' },
          ...rows.slice(3),
        ]),
      checkpoint: 'follow',
    },
    {
      name: 'reorders #2 and #3 and recomputes every hash',
      forge: (rows: AuditRow[], vaultId: Buffer) =>
        rechain(vaultId, [rows[0]!, rows[2]!, rows[1]!, ...rows.slice(3)]),
      checkpoint: 'keep',
    },
    {
      name: 'truncates the tail (deletes #8 and #9)',
      forge: (rows: AuditRow[]) => rows.filter((r) => r.seq < 8),
      checkpoint: 'keep',
    },
    {
      name: 'appends a well-chained entry after the checkpoint that is not a failed unlock',
      forge: (rows: AuditRow[], vaultId: Buffer) =>
        rechain(vaultId, [
          ...rows,
          { ...rows[rows.length - 1]!, actor: 'tester', action: 'vault.lock', outcome: 'success' },
        ]),
      checkpoint: 'keep',
    },
  ])(
    'a forger who $name passes the unkeyed check but fails with an unlock option',
    async ({ forge, checkpoint }) => {
      const { path, passphraseFile } = freshVault();
      tamper(path, (db) => {
        rewriteAudit(db, forge);
        if (checkpoint === 'follow') {
          // Point the checkpoint at the (renumbered, rehashed) entry it covered: the last lock.
          const { seq, hash } = db
            .prepare(
              "SELECT seq, hash FROM audit_log WHERE action = 'vault.lock' ORDER BY seq DESC LIMIT 1",
            )
            .get() as { seq: number; hash: Buffer };
          db.prepare('UPDATE audit_checkpoint SET seq = ?, hash = ?').run(seq, hash);
        }
      });
      // Without the key, a perfect forgery of the unkeyed chain cannot be told apart.
      const unkeyed = await runKeywarden(['audit', 'verify', '--vault', path]);
      expect(unkeyed).toMatchObject({ code: 0, stdout: expect.stringContaining('intact') });
      // With the key, the MAC'd checkpoint exposes it.
      const keyed = await runKeywarden([
        'audit',
        'verify',
        '--vault',
        path,
        '--passphrase-file',
        passphraseFile,
      ]);
      expectCliFailure(keyed, 4, ErrorCode.AUDIT_CHAIN_BROKEN, NAMES_ENTRY);
      await expectUnlockRefused(path, ErrorCode.AUDIT_CHAIN_BROKEN, NAMES_ENTRY);
    },
  );

  it('wiping the whole log and its checkpoint is detected at unlock', async () => {
    const { path, passphraseFile } = freshVault();
    tamper(path, (db) => {
      dropAuditTriggers(db);
      db.exec('DELETE FROM audit_log; DELETE FROM audit_checkpoint;');
    });
    await expectUnlockRefused(path, ErrorCode.AUDIT_CHAIN_BROKEN);
    const keyed = await runKeywarden([
      'audit',
      'verify',
      '--vault',
      path,
      '--passphrase-file',
      passphraseFile,
    ]);
    expectCliFailure(keyed, 4, ErrorCode.AUDIT_CHAIN_BROKEN);
  });

  it.each([
    { name: 'wiping the log but keeping the checkpoint', sql: 'DELETE FROM audit_log' },
    { name: 'deleting the checkpoint', sql: 'DELETE FROM audit_checkpoint' },
    {
      name: 'zeroing the checkpoint MAC',
      sql: 'UPDATE audit_checkpoint SET mac = zeroblob(32)',
    },
    {
      name: "replacing the checkpoint's hash",
      sql: 'UPDATE audit_checkpoint SET hash = randomblob(32)',
    },
    {
      name: 'moving the checkpoint back one entry',
      sql: 'UPDATE audit_checkpoint SET seq = seq - 1',
    },
    { name: 'setting the checkpoint seq to -1', sql: 'UPDATE audit_checkpoint SET seq = -1' },
    { name: 'moving the checkpoint past the end', sql: 'UPDATE audit_checkpoint SET seq = 1000' },
  ])('$name is detected at unlock (AUDIT_CHAIN_BROKEN)', async ({ sql }) => {
    const { path } = freshVault();
    tamper(path, (db) => {
      dropAuditTriggers(db);
      db.exec(sql);
    });
    await expectUnlockRefused(path, ErrorCode.AUDIT_CHAIN_BROKEN, /audit verify|backup/i);
  });
});

describe('files that are not (readable) vaults', () => {
  function expectOpenFails(path: string, code: ErrorCode, hint: RegExp): void {
    for (const mode of ['read-only', 'read-write'] as const) {
      expectKeywardenError(
        thrown(() => openVaultFile(realDeps(), path, mode).close()),
        code,
        hint,
      );
    }
  }

  it.each([
    { name: 'random bytes', content: () => randomBytes(8192) },
    {
      name: 'a text file',
      content: () => Buffer.from('just some notes, not a vault\n'.repeat(20)),
    },
    { name: 'an empty file', content: () => Buffer.alloc(0) },
  ])('$name is NOT_A_VAULT (CLI status exit 4) and is left untouched', async ({ content }) => {
    const dir = tempDir('keywarden-tamper-');
    dirs.push(dir);
    const path = dir.file('notes.kw');
    const bytes = content();
    writeFileSync(path, bytes);
    const passphraseFile = dir.file('passphrase.txt');
    writeFileSync(passphraseFile, TEST_PASSPHRASE, { mode: 0o600 });
    expectOpenFails(path, ErrorCode.NOT_A_VAULT, /not a Keywarden vault/i);
    expectCliFailure(
      await runKeywarden(['status', '--vault', path]),
      4,
      ErrorCode.NOT_A_VAULT,
      /not a Keywarden vault/i,
    );
    expectCliFailure(
      await runKeywarden(['status', '--vault', path, '--passphrase-file', passphraseFile]),
      4,
      ErrorCode.NOT_A_VAULT,
    );
    expect(readFileSync(path).equals(bytes), 'opening a file that is not a vault changed it').toBe(
      true,
    );
  });

  it("another application's SQLite database is NOT_A_VAULT (CLI status exit 4) and is left untouched", async () => {
    const dir = tempDir('keywarden-tamper-');
    dirs.push(dir);
    const path = dir.file('other-app.db');
    tamper(path, (db) => {
      db.exec(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('hello');",
      );
    });
    const passphraseFile = dir.file('passphrase.txt');
    writeFileSync(passphraseFile, TEST_PASSPHRASE, { mode: 0o600 });
    const before = readFileSync(path);
    expectOpenFails(path, ErrorCode.NOT_A_VAULT, /not a Keywarden vault/i);
    expectCliFailure(
      await runKeywarden(['status', '--vault', path]),
      4,
      ErrorCode.NOT_A_VAULT,
      /not a Keywarden vault/i,
    );
    expectCliFailure(
      await runKeywarden(['status', '--vault', path, '--passphrase-file', passphraseFile]),
      4,
      ErrorCode.NOT_A_VAULT,
    );
    expect(
      readFileSync(path).equals(before),
      "opening another application's database changed it (journal mode switched to WAL?)",
    ).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('a vault of a newer format is VAULT_FORMAT_UNSUPPORTED, telling to upgrade, and is left untouched', async () => {
    const { path, passphraseFile } = freshVault();
    tamper(path, (db) => db.pragma(`user_version = ${LATEST_FORMAT_VERSION + 1}`));
    const before = readFileSync(path);
    expectOpenFails(path, ErrorCode.VAULT_FORMAT_UNSUPPORTED, /upgrade/i);
    await expectUnlockRefused(path, ErrorCode.VAULT_FORMAT_UNSUPPORTED, /upgrade/i);
    for (const unlockOption of [[], ['--passphrase-file', passphraseFile]]) {
      const result = await runKeywarden(['status', '--vault', path, ...unlockOption]);
      expectCliFailure(result, 'nonzero', ErrorCode.VAULT_FORMAT_UNSUPPORTED, /upgrade/i);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('the three kinds of unreadable file get three distinct codes', async () => {
    const dir = tempDir('keywarden-tamper-');
    dirs.push(dir);
    const notSqlite = dir.file('random.kw');
    writeFileSync(notSqlite, randomBytes(4096));
    const newer = freshVault().path;
    tamper(newer, (db) => db.pragma(`user_version = ${LATEST_FORMAT_VERSION + 7}`));
    const tamperedHeader = freshVault().path;
    tamper(tamperedHeader, (db) =>
      db.prepare('UPDATE vault_header SET header_mac = zeroblob(32)').run(),
    );
    const codes = [
      expectKeywardenError(
        await catchError(() => unlockWith(notSqlite, passphraseFactor())),
        ErrorCode.NOT_A_VAULT,
      ).code,
      expectKeywardenError(
        await catchError(() => unlockWith(newer, passphraseFactor())),
        ErrorCode.VAULT_FORMAT_UNSUPPORTED,
      ).code,
      (await expectUnlockRefused(tamperedHeader, ErrorCode.VAULT_HEADER_TAMPERED)).code,
    ];
    expect(new Set(codes).size).toBe(3);
  });
});
