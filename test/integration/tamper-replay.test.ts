import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVaultFile } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { runKeywarden } from '../helpers/cli.ts';
import {
  makeVault,
  passphraseBytes,
  tempDir,
  TEST_PASSPHRASE,
  unlockVault,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Replays that reuse an old row, rows repeated so that they cancel in the record set,
// schema edits, and two processes on one file.

let dir: TempDir;
let path: string;
beforeEach(async () => {
  dir = tempDir('keywarden-replay-');
  path = dir.file('v.kw');
  await makeVault(path);
});
afterEach(() => dir.cleanup());

const CIPHER_COLUMNS = [
  'tombstone',
  'meta_nonce',
  'meta_ct',
  'dek_nonce',
  'wrapped_dek',
  'body_nonce',
  'body_ct',
];

function snapshotRow(id: string): Record<string, unknown> {
  const db = new Database(path, { readonly: true });
  const row = db.prepare('SELECT * FROM records WHERE record_id = ?').get(id) as Record<
    string,
    unknown
  >;
  db.close();
  return row;
}

async function expectRejected(
  promise: Promise<unknown> | (() => unknown),
  codes: string[],
): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(codes).toContain((error as { code?: string }).code);
    return;
  }
  throw new Error(`expected one of ${codes.join(', ')}`);
}

describe('replaying a deleted record', () => {
  it('a record deleted and written again never accepts its old row back', async () => {
    let vault = await unlockVault(path);
    vault.putRecord('t', 'keys', 'alpha', { owner: 'old' }, Buffer.from('OLD-KEY'));
    const old = snapshotRow('alpha');
    vault.deleteRecord('t', 'keys', 'alpha');
    expect(() => vault.getRecord('keys', 'alpha')).toThrow(
      expect.objectContaining({ code: 'RECORD_NOT_FOUND' }),
    );
    expect(vault.putRecord('t', 'keys', 'alpha', { owner: 'new' }, Buffer.from('NEW-KEY'))).toBe(3);
    vault.lock('t');

    // Copy the old incarnation's columns, version and all, over the new row.
    const db = new Database(path);
    const sets = ['version', ...CIPHER_COLUMNS].map((c) => `${c} = @${c}`).join(', ');
    db.prepare(`UPDATE records SET ${sets} WHERE record_id = 'alpha'`).run(old);
    db.close();
    await expectRejected(unlockVault(path), ['RECORD_TAMPERED']);

    // And with only the ciphertext columns (version left at 3): the AAD binds the version.
    const fresh = tempDir('keywarden-replay-');
    try {
      path = fresh.file('v.kw');
      await makeVault(path);
      vault = await unlockVault(path);
      vault.putRecord('t', 'keys', 'alpha', { owner: 'old' }, Buffer.from('OLD-KEY'));
      const first = snapshotRow('alpha');
      vault.deleteRecord('t', 'keys', 'alpha');
      vault.putRecord('t', 'keys', 'alpha', { owner: 'new' }, Buffer.from('NEW-KEY'));
      vault.lock('t');
      const raw = new Database(path);
      raw
        .prepare(
          `UPDATE records SET ${CIPHER_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE record_id = 'alpha'`,
        )
        .run(first);
      raw.close();
      vault = await unlockVault(path);
      expect(() => vault.getRecord('keys', 'alpha')).toThrow(
        expect.objectContaining({ code: 'RECORD_TAMPERED' }),
      );
      expect(() => vault.readRecordBody('t', 'keys', 'alpha')).toThrow(
        expect.objectContaining({ code: 'RECORD_TAMPERED' }),
      );
      vault.lock('t');
    } finally {
      fresh.cleanup();
    }
  });

  it('a tombstone cannot be turned back into a record, nor a record into a tombstone', async () => {
    const vault = await unlockVault(path);
    vault.putRecord('t', 'keys', 'gone', {}, Buffer.from('x'));
    vault.deleteRecord('t', 'keys', 'gone');
    vault.putRecord('t', 'keys', 'kept', { name: 'kept' }, Buffer.from('y'));
    vault.lock('t');
    const db = new Database(path);
    db.exec("UPDATE records SET tombstone = 1 - tombstone WHERE record_id IN ('gone', 'kept')");
    db.close();
    const again = await unlockVault(path);
    expect(() => again.getRecord('keys', 'kept')).toThrow(
      expect.objectContaining({ code: 'RECORD_TAMPERED' }),
    );
    expect(() => again.getRecord('keys', 'gone')).toThrow(
      expect.objectContaining({ code: 'RECORD_TAMPERED' }),
    );
    expect(() => again.listRecords('keys')).toThrow(
      expect.objectContaining({ code: 'RECORD_TAMPERED' }),
    );
    again.lock('t');
  });
});

describe('schema edits', () => {
  it('a records table rebuilt without UNIQUE, holding a repeated old row, is refused at open', async () => {
    const vault = await unlockVault(path);
    vault.putRecord('t', 'keys', 'alpha', {}, Buffer.from('v1'));
    const v1 = snapshotRow('alpha');
    vault.putRecord('t', 'keys', 'alpha', {}, Buffer.from('v2'));
    vault.lock('t');
    const db = new Database(path);
    const create = (
      db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'records'").get() as { sql: string }
    ).sql;
    db.exec('ALTER TABLE records RENAME TO records_old');
    db.exec(create.replace(/,\s*UNIQUE \(collection, record_id\)/, ''));
    const insert = db.prepare(
      'INSERT INTO records (collection, record_id, version, tombstone, meta_nonce, meta_ct, dek_nonce, wrapped_dek, body_nonce, body_ct) VALUES (@collection, @record_id, @version, @tombstone, @meta_nonce, @meta_ct, @dek_nonce, @wrapped_dek, @body_nonce, @body_ct)',
    );
    insert.run(v1);
    const columns =
      'collection, record_id, version, tombstone, meta_nonce, meta_ct, dek_nonce, wrapped_dek, body_nonce, body_ct';
    db.exec(
      `INSERT INTO records (${columns}) SELECT ${columns} FROM records_old; DROP TABLE records_old`,
    );
    insert.run(v1);
    db.close();
    await expectRejected(unlockVault(path), ['VAULT_HEADER_TAMPERED', 'RECORD_TAMPERED']);
  });

  it.each([
    ['a dropped table', 'DROP TABLE audit_checkpoint'],
    ['a dropped column', 'ALTER TABLE records DROP COLUMN body_ct'],
    ['an added trigger', 'CREATE TRIGGER spy AFTER INSERT ON records BEGIN SELECT 1; END'],
  ])('%s is VAULT_HEADER_TAMPERED (exit 4), not an internal error', async (_name, sql) => {
    const db = new Database(path);
    db.exec(sql);
    db.close();
    expect(() => openVaultFile(realDeps(), path)).toThrow(
      expect.objectContaining({ code: 'VAULT_HEADER_TAMPERED' }),
    );
    const passFile = dir.file('pass');
    writeFileSync(passFile, TEST_PASSPHRASE, { mode: 0o600 });
    const result = await runKeywarden(['status', '--vault', path, '--passphrase-file', passFile]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error \[VAULT_HEADER_TAMPERED\]: .*schema/);
  });
});

describe('two processes on one vault', () => {
  it("audit verification in one takes in the other's commits", async () => {
    const a = await unlockVault(path);
    const b = await unlockVault(path);
    b.putRecord('b', 'keys', 'k', {}, Buffer.from('x'));
    expect(a.verifyAudit()).toMatchObject({ intact: true, checkpoint: 'verified' });
    expect(a.status('a').records).toEqual({ keys: 1 });
    a.lock('a');
    b.lock('b');
  });
});

describe('failures are audited', () => {
  it('refused operations and failed unlocks of every kind leave a failure entry', async () => {
    const vault = await unlockVault(path);
    vault.addRecoveryKey('t', false);
    expect(() => vault.addRecoveryKey('t', false)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_KEY_EXISTS' }),
    );
    expect(() => vault.putRecord('t', 'Bad Name', 'x', {}, Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    await expect(vault.changePassphrase('t', passphraseBytes('short'), null)).rejects.toMatchObject(
      { code: 'PASSPHRASE_TOO_SHORT' },
    );
    vault.lock('t');
    const file = openVaultFile(realDeps(), path);
    await expect(
      file.unlock({ kind: 'recovery-key', recoveryKey: Buffer.from('KW1-0000') }, 't'),
    ).rejects.toMatchObject({
      code: 'RECOVERY_KEY_MALFORMED',
    });
    file.close();
    const failures = openVaultFile(realDeps(), path, 'read-only');
    const entries = failures.listAudit().filter((e) => e.outcome === 'failure');
    failures.close();
    expect(entries.map((e) => [e.action, e.detail.error])).toEqual([
      ['recovery-key.add', 'RECOVERY_KEY_EXISTS'],
      ['record.put', 'BAD_REQUEST'],
      ['passphrase.change', 'PASSPHRASE_TOO_SHORT'],
      ['vault.unlock', 'RECOVERY_KEY_MALFORMED'],
    ]);
    // None of it breaks the chain.
    const again = await unlockVault(path);
    expect(again.verifyAudit()).toMatchObject({ intact: true });
    again.lock('t');
  });
});
