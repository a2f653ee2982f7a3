import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, KeywardenError } from '../../shared/errors.ts';
import type { VaultHeader } from '../../shared/vault-types.ts';
import { zeroize } from '../crypto/bytes.ts';
import { appendAudit, Outcome } from '../audit/audit-log.ts';
import { APPLICATION_ID, VAULT_ID_BYTES, VMK_BYTES } from './format.ts';
import { migrate } from './migrations.ts';
import { resolveKdfParams } from './kdf-params.ts';
import type { CalibrationProgress, KdfChoice } from './kdf-params.ts';
import {
  derivePassphraseKek,
  insertSlot,
  newPassphraseParams,
  SlotKind,
  validateNewPassphrase,
} from './unlock-slots.ts';
import { VaultFile } from './vault-file.ts';
import type { VaultDeps } from './vault-file.ts';
import { VaultSession } from './vault-session.ts';
import type { SqlConnection } from '../../../native/store/store.ts';

// Creating a vault: everything is checked and derived before a byte is written, and the file
// appears at its path only when complete.

function tempPathFor(path: string): string {
  return `${path}.init-${randomBytes(6).toString('hex')}`;
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(`${path}${suffix}`, { force: true });
}

function fsyncDirectory(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface CreateVaultOptions {
  path: string;
  passphrase: Uint8Array;
  kdf: KdfChoice;
  actor: string;
  onProgress?: (progress: CalibrationProgress) => void;
}

/**
 * Creates a vault with one passphrase slot. Everything is checked (parameters, passphrase,
 * path) and derived before a byte is written; the file is built under a temporary name and
 * linked into place only when complete, so a refused or failed init leaves no file behind.
 * Throws KDF_PARAMS_INVALID, PASSPHRASE_TOO_SHORT, VAULT_EXISTS, BAD_REQUEST, and the storage
 * codes (VAULT_READ_ONLY, VAULT_CORRUPT, AUDIT_WRITE_FAILED) when the file cannot be written.
 */
export async function createVault(
  deps: VaultDeps,
  options: CreateVaultOptions,
): Promise<VaultHeader> {
  validateNewPassphrase(options.passphrase);
  const existing = statSync(options.path, { throwIfNoEntry: false });
  if (existing)
    throw new KeywardenError(
      ErrorCode.VAULT_EXISTS,
      `A file already exists at ${options.path}; choose another path.`,
    );
  const parent = statSync(dirname(options.path), { throwIfNoEntry: false });
  if (!parent?.isDirectory()) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The folder ${dirname(options.path)} does not exist; create it first.`,
    );
  }
  const kdf = await resolveKdfParams(deps.argon2, options.kdf, options.onProgress);
  const params = newPassphraseParams(kdf);
  const vaultId = randomBytes(VAULT_ID_BYTES);
  const tempPath = tempPathFor(options.path);
  const now = deps.now().toISOString();
  let vmk: Buffer | null = null;
  let kek: Buffer | null = null;
  let session: VaultSession | null = null;
  let db: SqlConnection | null = null;
  let header: VaultHeader;
  try {
    vmk = randomBytes(VMK_BYTES);
    kek = await derivePassphraseKek(deps.argon2, options.passphrase, params);
    db = deps.openSql(tempPath, 'create');
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    migrate(db);
    const [conn, key, wrapKey] = [db, vmk, kek];
    const keys = new VaultSession(conn, vaultId, key);
    session = keys;
    keys.store.set.initializeEmpty();
    conn.transaction(() => {
      keys.store.set.begin();
      conn
        .prepare(
          'INSERT INTO vault_header (singleton, vault_id, created_at, header_mac, record_set) VALUES (1, ?, ?, ?, ?)',
        )
        .run(vaultId, now, Buffer.alloc(32), keys.store.set.current());
      insertSlot(conn, vaultId, SlotKind.PASSPHRASE, params, wrapKey, key, now);
      keys.rewriteHeaderMac();
      const detail = { slot: SlotKind.PASSPHRASE, ...kdf };
      const event = {
        actor: options.actor,
        action: 'vault.init',
        target: options.path,
        outcome: Outcome.SUCCESS,
        detail,
      };
      appendAudit(conn, vaultId, event, new Date(now), keys.signer());
    });
    header = { ...new VaultFile(deps, db).header(), path: options.path };
    db.close();
    db = null;
    // link() refuses to replace an existing file: two inits racing for one path cannot clobber.
    try {
      linkSync(tempPath, options.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new KeywardenError(
          ErrorCode.VAULT_EXISTS,
          `A file already exists at ${options.path}; choose another path.`,
        );
      }
      throw error;
    }
    fsyncDirectory(options.path);
  } finally {
    // Every key is zeroed whatever happened, and the temporary file never outlives this call.
    session?.zero();
    zeroize(vmk, kek);
    db?.close();
    removeDatabaseFiles(tempPath);
  }
  return header;
}
