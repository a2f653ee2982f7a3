import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macWithKey } from '../../electron/core/inventory/key-ciphers.ts';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import { listKeys, showKey } from '../../electron/core/inventory/key-inventory.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { CLI_PATH, runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { TEST_PASSPHRASE, makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Rotation under a crash: `keywarden keys rotate` on a key-encryption key holding 1,000 data
// keys is killed with SIGKILL as soon as it reports its first rewrapped batch. The vault must
// open intact, every data key must still work (under the old KEK version or the new one) with
// its material unchanged, and `keywarden keys rewrap` must finish the job.

const DATA_KEYS = 1000;
const MESSAGE = Buffer.from('the same tag before and after');

let dir: TempDir;
let vaultPath: string;
let passphraseFile: string;
let kekId: string;
let tags: Map<string, string>;

/** Each data key's HMAC of MESSAGE, by id, through a fresh unlock of the file. */
async function macs(): Promise<Map<string, string>> {
  const vault = await unlockVault(vaultPath);
  try {
    const keys = listKeys(vault, {}, new Date()).filter((key) => key.wrappedBy !== null);
    return new Map(
      keys.map((key) => [key.id, macWithKey(vault, 'Alice', key.id, MESSAGE).toString('hex')]),
    );
  } finally {
    vault.lock('tester');
  }
}

async function dataKeys(): Promise<KeyView[]> {
  const vault = await unlockVault(vaultPath);
  try {
    expect(vault.verifyAudit().intact).toBe(true);
    return listKeys(vault, {}, new Date()).filter((key) => key.wrappedBy !== null);
  } finally {
    vault.lock('tester');
  }
}

beforeAll(async () => {
  dir = tempDir('keywarden-rotation-crash-');
  vaultPath = dir.file('v.kw');
  passphraseFile = dir.file('passphrase');
  writeFileSync(passphraseFile, TEST_PASSPHRASE, { mode: 0o600 });
  await makeVault(vaultPath);
  const vault = await unlockVault(vaultPath);
  registerPeople(vault, [['Alice', ['officer']]]);
  const now = new Date();
  const kek = await generateKey(
    vault,
    'Alice',
    { name: 'kek', algorithm: 'aes256', purposes: ['wrap', 'unwrap'], owner: 'Alice' },
    now,
  );
  kekId = kek.id;
  for (let i = 0; i < DATA_KEYS; i += 1) {
    await generateKey(
      vault,
      'Alice',
      {
        name: `data key ${i}`,
        algorithm: 'hmac-sha256',
        purposes: ['mac'],
        owner: 'Alice',
        wrappedBy: kek.id,
      },
      now,
    );
  }
  vault.lock('tester');
  tags = await macs();
}, 120_000);
afterAll(() => dir.cleanup());

/** Runs `keys rotate` and SIGKILLs it when its first progress line arrives. */
function rotateAndKill(id: string): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        CLI_PATH,
        'keys',
        'rotate',
        id,
        '--vault',
        vaultPath,
        '--passphrase-file',
        passphraseFile,
        '--actor',
        'Alice',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (!killed && /Rewrapped \d+ of 1000/.test(stderr)) {
        killed = child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ killed, stderr }));
  });
}

describe('rotation killed mid-rewrap', () => {
  it('leaves every data key usable and unchanged, and keys rewrap finishes the job', async () => {
    // The kill races the remaining batches; if the rotation finishes first, rotate the new
    // version and try again, so the test always checks a rewrap cut short.
    let rotated = kekId;
    let successor = '';
    let underOld = 0;
    for (let attempt = 1; attempt <= 3 && underOld === 0; attempt += 1) {
      const { killed, stderr } = await rotateAndKill(rotated);
      expect(killed, stderr).toBe(true);

      const vault = await unlockVault(vaultPath);
      const kek = showKey(vault, rotated);
      vault.lock('tester');
      expect(kek.state).toBe('deactivated');
      successor = kek.successor ?? '';
      expect(successor).toMatch(/^k-/);

      const afterCrash = await dataKeys();
      expect(afterCrash).toHaveLength(DATA_KEYS);
      const underNew = afterCrash.filter((key) => key.wrappedBy === successor).length;
      underOld = afterCrash.filter((key) => key.wrappedBy === rotated).length;
      expect(underNew + underOld).toBe(DATA_KEYS);
      expect(underNew).toBeGreaterThanOrEqual(100); // at least the batch it reported
      expect(await macs()).toEqual(tags);
      if (underOld === 0) rotated = successor;
    }
    expect(underOld, 'no kill landed before the rewrap ended in 3 attempts').toBeGreaterThan(0);

    const resumed = await runKeywarden([
      'keys',
      'rewrap',
      rotated,
      '--vault',
      vaultPath,
      '--passphrase-file',
      passphraseFile,
      '--actor',
      'Alice',
      '--json',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ rewrapped: underOld, kek: successor });

    const finished = await dataKeys();
    expect(finished.every((key) => key.wrappedBy === successor)).toBe(true);
    expect(await macs()).toEqual(tags);

    const again = await runKeywarden([
      'keys',
      'rewrap',
      successor,
      '--vault',
      vaultPath,
      '--passphrase-file',
      passphraseFile,
      '--actor',
      'Alice',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to rewrap');
  }, 120_000);
});
