import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVault, openVaultFile } from '../../electron/core/vault/vault.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import { APPLICATION_ID } from '../../electron/core/vault/format.ts';
import { LATEST_FORMAT_VERSION } from '../../electron/core/vault/migrations.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import {
  FAST_KDF,
  makeVault,
  passphraseBytes,
  tempDir,
  TEST_PASSPHRASE,
  unlockVault,
} from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

let dir: TempDir;
let path: string;
beforeEach(async () => {
  dir = tempDir();
  path = dir.file('vault.kw');
  await makeVault(path);
});
afterEach(() => dir.cleanup());

async function expectCode(
  promise: Promise<unknown> | (() => unknown),
  code: string,
): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect((error as { code?: string }).code).toBe(code);
    return error as Error;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

describe('the vault file', () => {
  it('is SQLite with WAL, synchronous=FULL, the Keywarden application_id and the latest user_version', () => {
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_FORMAT_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const file = openVaultFile(realDeps(), path, 'read-only');
    expect(file.db.pragmaValue('synchronous')).toBe(2); // FULL
    file.close();
  });

  it('holds no plaintext: the passphrase, metadata and bodies do not appear in the file', async () => {
    const vault = await unlockVault(path);
    vault.putRecord(
      'tester',
      'notes',
      'n1',
      { label: 'visible-label-xyz' },
      Buffer.from('body-secret-abc'),
    );
    vault.lock('tester');
    const bytes = Buffer.concat(readdirSync(dir.path).map((name) => readFileSync(dir.file(name))));
    for (const needle of [TEST_PASSPHRASE, 'visible-label-xyz', 'body-secret-abc'])
      expect(bytes.includes(Buffer.from(needle))).toBe(false);
  });

  it('stores the KDF parameters with the slot', () => {
    const file = openVaultFile(realDeps(), path, 'read-only');
    expect(file.header().slots).toEqual([
      expect.objectContaining({
        kind: 'passphrase',
        kdf: { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 },
      }),
    ]);
    file.close();
  });
});

describe('init', () => {
  it('refuses parameters below the floors and leaves no file behind', async () => {
    const target = dir.file('refused.kw');
    await expectCode(
      createVault(realDeps(), {
        path: target,
        passphrase: passphraseBytes(),
        kdf: { ...FAST_KDF, memoryMiB: 18 },
        actor: 't',
      }),
      'KDF_PARAMS_INVALID',
    );
    await expectCode(
      createVault(realDeps(), {
        path: target,
        passphrase: passphraseBytes(),
        kdf: { ...FAST_KDF, iterations: 1 },
        actor: 't',
      }),
      'KDF_PARAMS_INVALID',
    );
    await expectCode(
      createVault(realDeps(), {
        path: target,
        passphrase: passphraseBytes('short'),
        kdf: FAST_KDF,
        actor: 't',
      }),
      'PASSPHRASE_TOO_SHORT',
    );
    expect(readdirSync(dir.path)).toEqual(['vault.kw']);
  });

  it('refuses to overwrite an existing file', async () => {
    const other = dir.file('other');
    writeFileSync(other, 'keep me');
    await expectCode(
      createVault(realDeps(), {
        path: other,
        passphrase: passphraseBytes(),
        kdf: FAST_KDF,
        actor: 't',
      }),
      'VAULT_EXISTS',
    );
    expect(readFileSync(other, 'utf8')).toBe('keep me');
  });

  it('leaves no file when a storage step fails midway', async () => {
    const target = dir.file('broken.kw');
    const deps = realDeps();
    const failing = {
      ...deps,
      openSql: (p: string, mode: 'create' | 'read-write' | 'read-only') => {
        const conn = deps.openSql(p, mode);
        return {
          ...conn,
          path: conn.path,
          prepare: conn.prepare.bind(conn),
          pragmaValue: conn.pragmaValue.bind(conn),
          close: conn.close.bind(conn),
          exec: conn.exec.bind(conn),
          transaction: () => {
            throw new Error('disk full');
          },
        };
      },
    };
    await expect(
      createVault(failing, {
        path: target,
        passphrase: passphraseBytes(),
        kdf: FAST_KDF,
        actor: 't',
      }),
    ).rejects.toThrow('disk full');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir.path)).toEqual(['vault.kw']);
  });
});

describe('unlock and lock', () => {
  it('a wrong passphrase fails with PASSPHRASE_INCORRECT and is audited while locked', async () => {
    const error = await expectCode(unlockVault(path, 'not the passphrase'), 'PASSPHRASE_INCORRECT');
    expect(error.message).not.toContain('not the passphrase');
    const file = openVaultFile(realDeps(), path, 'read-only');
    const last = file.listAudit().at(-1);
    file.close();
    expect(last).toMatchObject({
      action: 'vault.unlock',
      outcome: 'failure',
      detail: { factor: 'passphrase', error: 'PASSPHRASE_INCORRECT' },
    });
    // The failed attempt does not break the chain, and the next unlock covers it with the checkpoint.
    const vault = await unlockVault(path);
    expect(vault.verifyAudit()).toMatchObject({ intact: true, checkpoint: 'verified' });
    vault.lock('tester');
  });

  it('lock zeroes the VMK and every subkey, and later calls fail with VAULT_LOCKED', async () => {
    const vault = await unlockVault(path);
    const session = (
      vault as unknown as {
        session: {
          vmk: Buffer;
          headerKey: Buffer;
          auditKey: Buffer;
          store: { keys: Record<string, Buffer> };
        };
      }
    ).session;
    const buffers = [
      session.vmk,
      session.headerKey,
      session.auditKey,
      ...Object.values(session.store.keys),
    ];
    expect(buffers.every((b) => b.some((x) => x !== 0))).toBe(true);
    vault.lock('tester');
    expect(buffers.every((b) => b.every((x) => x === 0))).toBe(true);
    expect(vault.locked).toBe(true);
    await expectCode(() => vault.listRecords('notes'), 'VAULT_LOCKED');
    await expectCode(() => vault.putRecord('t', 'notes', 'x', {}, Buffer.alloc(0)), 'VAULT_LOCKED');
  });
});

describe('records', () => {
  let vault: UnlockedVault;
  beforeEach(async () => {
    vault = await unlockVault(path);
  });
  afterEach(() => vault.lock('tester'));

  it('round-trip metadata and body, with a new version on each write', () => {
    expect(vault.putRecord('tester', 'notes', 'a', { title: 'first' }, Buffer.from('one'))).toBe(1);
    expect(vault.putRecord('tester', 'notes', 'a', { title: 'second' }, Buffer.from('two'))).toBe(
      2,
    );
    vault.putRecord('tester', 'notes', 'b', { title: 'b' }, Buffer.from('bee'));
    expect(vault.getRecord('notes', 'a')).toEqual({
      collection: 'notes',
      recordId: 'a',
      version: 2,
      meta: { title: 'second' },
    });
    expect(vault.readRecordBody('tester', 'notes', 'a').toString()).toBe('two');
    expect(vault.listRecords('notes').map((r) => r.recordId)).toEqual(['a', 'b']);
    vault.deleteRecord('tester', 'notes', 'b');
    expect(vault.listRecords('notes').map((r) => r.recordId)).toEqual(['a']);
  });

  it('refuse bad addresses and unknown records with coded errors, changing nothing', async () => {
    await expectCode(
      () => vault.putRecord('t', 'Bad Collection', 'a', {}, Buffer.alloc(0)),
      'BAD_REQUEST',
    );
    await expectCode(
      () => vault.putRecord('t', 'notes', 'a/b', {}, Buffer.alloc(0)),
      'BAD_REQUEST',
    );
    await expectCode(() => vault.getRecord('notes', 'missing'), 'RECORD_NOT_FOUND');
    expect(vault.listRecords('notes')).toEqual([]);
  });

  it('survive lock and unlock, and status authenticates every one', async () => {
    vault.putRecords(
      'tester',
      'notes',
      [1, 2, 3].map((n) => ({ recordId: `r${n}`, meta: { n }, body: Buffer.from(`body ${n}`) })),
    );
    vault.lock('tester');
    vault = await unlockVault(path);
    const status = vault.status('tester');
    expect(status.records).toEqual({ notes: 3 });
    expect(status.authenticated).toBe(3);
    expect(vault.readRecordBody('tester', 'notes', 'r2').toString()).toBe('body 2');
  });
});

describe('passphrase change and recovery key', () => {
  it('change re-wraps the VMK only: record ciphertexts stay byte-identical', async () => {
    let vault = await unlockVault(path);
    vault.putRecord('tester', 'notes', 'a', { t: 1 }, Buffer.from('payload'));
    const before = new Database(path, { readonly: true }).prepare('SELECT * FROM records').all();
    await vault.changePassphrase('tester', passphraseBytes('a brand new passphrase'), null);
    vault.lock('tester');
    const after = new Database(path, { readonly: true }).prepare('SELECT * FROM records').all();
    expect(after).toEqual(before);
    await expectCode(unlockVault(path), 'PASSPHRASE_INCORRECT');
    vault = await unlockVault(path, 'a brand new passphrase');
    expect(vault.readRecordBody('tester', 'notes', 'a').toString()).toBe('payload');
    vault.lock('tester');
  });

  it('a recovery key opens the vault, is shown once, and replacing it retires the old one', async () => {
    let vault = await unlockVault(path);
    const { recoveryKey } = vault.addRecoveryKey('tester', false);
    await expectCode(() => vault.addRecoveryKey('tester', false), 'RECOVERY_KEY_EXISTS');
    vault.lock('tester');
    const file = openVaultFile(realDeps(), path);
    vault = await file.unlock(
      { kind: 'recovery-key', recoveryKey: Buffer.from(recoveryKey) },
      'tester',
    );
    const replaced = vault.addRecoveryKey('tester', true).recoveryKey;
    vault.lock('tester');
    const again = openVaultFile(realDeps(), path);
    await expectCode(
      again.unlock({ kind: 'recovery-key', recoveryKey: Buffer.from(recoveryKey) }, 'tester'),
      'RECOVERY_KEY_INCORRECT',
    );
    const ok = await again.unlock(
      { kind: 'recovery-key', recoveryKey: Buffer.from(replaced) },
      'tester',
    );
    ok.lock('tester');
    // The key text is never stored: only its slot.
    const raw = readFileSync(path);
    expect(raw.includes(Buffer.from(replaced))).toBe(false);
  });
});

describe('fail closed', () => {
  it('an operation whose audit record cannot be written does not happen', async () => {
    const vault = await unlockVault(path);
    vault.putRecord('tester', 'notes', 'a', { v: 1 }, Buffer.from('one'));
    const db = new Database(path);
    db.exec(
      "CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
    );
    db.close();
    await expectCode(
      () => vault.putRecord('tester', 'notes', 'a', { v: 2 }, Buffer.from('two')),
      'AUDIT_WRITE_FAILED',
    );
    await expectCode(
      () => vault.putRecord('tester', 'notes', 'b', { v: 1 }, Buffer.from('new')),
      'AUDIT_WRITE_FAILED',
    );
    await expectCode(
      vault.changePassphrase('tester', passphraseBytes('another passphrase'), null),
      'AUDIT_WRITE_FAILED',
    );
    expect(vault.getRecord('notes', 'a').version).toBe(1);
    expect(vault.readRecordBody.bind(vault, 'tester', 'notes', 'a')).toThrow(
      expect.objectContaining({ code: 'AUDIT_WRITE_FAILED' }),
    );
    expect(vault.listRecords('notes').map((r) => r.recordId)).toEqual(['a']);
    const unblock = new Database(path);
    unblock.exec('DROP TRIGGER block_audit');
    unblock.close();
    expect(vault.readRecordBody('tester', 'notes', 'a').toString()).toBe('one');
    vault.lock('tester');
    // The old passphrase still opens it: the refused change left the slots alone.
    (await unlockVault(path)).lock('tester');
  });

  it('an unlock whose audit record cannot be written leaves the vault locked', async () => {
    // The real SQLite connection, with inserts into the audit log failing as a full disk would.
    const deps = realDeps();
    const failingAudit = {
      ...deps,
      openSql: (p: string, mode: 'create' | 'read-write' | 'read-only') => {
        const conn = deps.openSql(p, mode);
        const prepare = conn.prepare.bind(conn);
        return Object.assign(
          Object.create(Object.getPrototypeOf(conn) as object) as typeof conn,
          conn,
          {
            prepare: (sql: string) => {
              if (sql.startsWith('INSERT INTO audit_log')) throw new Error('disk full');
              return prepare(sql);
            },
          },
        );
      },
    };
    const error = await expectCode(
      unlockVault(path, TEST_PASSPHRASE, failingAudit),
      'AUDIT_WRITE_FAILED',
    );
    expect(error.message).toMatch(/not carried out/);
    // Nothing was recorded and nothing changed: the real log still ends where it did.
    const file = openVaultFile(realDeps(), path, 'read-only');
    expect(file.listAudit().at(-1)?.action).toBe('vault.init');
    file.close();
  });
});

describe('two processes on one vault', () => {
  it("each takes in the other's writes instead of calling them tampering", async () => {
    const app = await unlockVault(path);
    const cli = await unlockVault(path);
    app.putRecord('app', 'notes', 'shared', { by: 'app' }, Buffer.from('v1'));
    expect(cli.getRecord('notes', 'shared').version).toBe(1);
    expect(cli.putRecord('cli', 'notes', 'shared', { by: 'cli' }, Buffer.from('v2'))).toBe(2);
    cli.putRecord('cli', 'notes', 'only-cli', {}, Buffer.from('x'));
    expect(app.readRecordBody('app', 'notes', 'shared').toString()).toBe('v2');
    expect(app.listRecords('notes').map((r) => r.recordId)).toEqual(['only-cli', 'shared']);
    app.deleteRecord('app', 'notes', 'only-cli');
    expect(cli.status('cli').records).toEqual({ notes: 1 });
    app.lock('app');
    cli.lock('cli');
    const again = await unlockVault(path);
    expect(again.verifyAudit()).toMatchObject({ intact: true, checkpoint: 'verified' });
    again.lock('tester');
  });

  it('an unlock that starts before another process writes still opens the vault', async () => {
    const opened = openVaultFile(realDeps(), path);
    const other = await unlockVault(path);
    other.putRecord('other', 'notes', 'meanwhile', {}, Buffer.from('x'));
    other.lock('other');
    const vault = await opened.unlock(
      { kind: 'passphrase', passphrase: passphraseBytes() },
      'tester',
    );
    expect(vault.listRecords('notes').map((r) => r.recordId)).toEqual(['meanwhile']);
    vault.lock('tester');
  });
});
