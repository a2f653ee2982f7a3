import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LATEST_FORMAT_VERSION,
  migrate,
  MIGRATIONS,
} from '../../electron/core/vault/migrations.ts';
import type { Migration } from '../../electron/core/vault/migrations.ts';
import { openSqlConnection } from '../../native/store/sqlite-store.ts';
import { tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

let dir: TempDir;
beforeEach(() => {
  dir = tempDir('keywarden-migrate-');
});
afterEach(() => dir.cleanup());

describe('numbered migrations', () => {
  it('bring an empty file to the latest version with the vault tables', () => {
    const db = openSqlConnection(dir.file('m.kw'), 'create');
    expect(migrate(db)).toBe(LATEST_FORMAT_VERSION);
    const tables = db
      .prepare<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
    expect(tables).toEqual([
      'audit_checkpoint',
      'audit_log',
      'records',
      'unlock_slots',
      'vault_header',
    ]);
    // Running again is a no-op.
    expect(migrate(db)).toBe(LATEST_FORMAT_VERSION);
    db.close();
  });

  it('apply later steps in order, one transaction each, and a failing step rolls back alone', () => {
    const path = dir.file('m.kw');
    const db = openSqlConnection(path, 'create');
    const next: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        description: 'add a table',
        up: (c) => c.exec('CREATE TABLE extra (x INTEGER)'),
      },
      {
        version: MIGRATIONS.length + 2,
        description: 'fails halfway',
        up: (c) => {
          c.exec('CREATE TABLE half (x INTEGER)');
          throw new Error('step failed');
        },
      },
    ];
    expect(() => migrate(db, next)).toThrow('step failed');
    expect(db.pragmaValue('user_version')).toBe(MIGRATIONS.length + 1);
    const names = db
      .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name);
    expect(names).toContain('extra');
    expect(names).not.toContain('half');
    db.close();
  });

  it('refuse a file newer than this build with VAULT_FORMAT_UNSUPPORTED', () => {
    const path = dir.file('m.kw');
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_FORMAT_VERSION + 1}`);
    raw.close();
    const db = openSqlConnection(path, 'read-write');
    expect(() => migrate(db)).toThrow(
      expect.objectContaining({
        code: 'VAULT_FORMAT_UNSUPPORTED',
        message: expect.stringMatching(/Upgrade Keywarden/),
      }),
    );
    db.close();
  });

  it('refuse a misnumbered list', () => {
    const db = openSqlConnection(dir.file('m.kw'), 'create');
    expect(() => migrate(db, [{ ...MIGRATIONS[0]!, version: 2 }])).toThrow(/numbered/);
    db.close();
  });
});
