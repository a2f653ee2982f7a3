import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelDestruction } from '../../electron/core/inventory/key-destruction.ts';
import { showKey, transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { destroyAnyKey, generateTokenKey } from '../../electron/core/inventory/token-keys.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import { openVaultFile } from '../../electron/core/vault/vault-file.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// A token key's destruction interrupted between the token and the vault: the objects are gone
// from the token (C_DestroyObject done) but the destruction is not yet recorded, as after a
// crash or a power cut at that instant. The vault must already know the destruction began,
// refuse to cancel it (cancelling would bring back a key whose objects no longer exist), and
// finish it when run again. The interruption is the real layer's call followed by a throw.

let hsm: SoftHsm;
let dir: TempDir;
let tokens: TokenLayer;
let vault: UnlockedVault;
const pin = () => Buffer.from('1234');
const DAY = 86_400_000;

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 3, prefix: 'kw-destroy-' });
  dir = tempDir('keywarden-token-destruction-');
  tokens = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 });
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['custodian', 'witness']],
  ]);
});
afterAll(async () => {
  vault.lock('tester');
  await tokens.close();
  hsm.cleanup();
  dir.cleanup();
});

/** The real layer, except that destroying objects is cut off right after the token did it. */
const cutAfterTokenDestroy = (): TokenLayer => ({
  ...tokens,
  destroyKeyObjects: async (...args) => {
    await tokens.destroyKeyObjects(...args);
    throw new Error('power cut after C_DestroyObject');
  },
});

describe('a token key destruction cut off after the token destroyed its objects', () => {
  it('cannot be cancelled, and finishes when run again', async () => {
    const now = new Date();
    const serial = hsm.tokens[1]?.serial ?? '';
    const key = await generateTokenKey(
      vault,
      tokens,
      'Alice',
      {
        name: 'short-lived signing key',
        algorithm: 'p256',
        purposes: ['sign'],
        owner: 'Alice',
        token: { serial, pin: pin() },
      },
      now,
    );
    const ckaId = key.location.kind === 'token' ? key.location.ckaId : '';
    const onToken = async () =>
      (await tokens.objects({ module: '', serial }, pin())).filter((o) => o.id === ckaId);
    expect(await onToken()).toHaveLength(2); // private and public key
    transitionKey(vault, 'Alice', key.id, 'deactivated', 'replaced', now);
    const request = { authorisedBy: 'Alice', witness: 'Bob', afterDays: 7 };
    const scheduled = await destroyAnyKey(
      vault,
      () => tokens,
      'Alice',
      key.id,
      request,
      undefined,
      now,
    );
    expect(scheduled.state).toBe('destruction-pending');

    const due = new Date(now.getTime() + 8 * DAY);
    // A mistyped PIN: refused by the token before anything is marked begun.
    await expect(
      destroyAnyKey(
        vault,
        () => tokens,
        'Alice',
        key.id,
        request,
        { pin: Buffer.from('9999') },
        due,
      ),
    ).rejects.toThrow(expect.objectContaining({ code: 'PIN_INCORRECT' }));
    expect(showKey(vault, key.id).destructionBegun).toBeUndefined();
    await expect(
      destroyAnyKey(vault, cutAfterTokenDestroy, 'Alice', key.id, request, { pin: pin() }, due),
    ).rejects.toThrow('power cut');
    expect(await onToken()).toEqual([]);
    const between = showKey(vault, key.id);
    expect(between.state).toBe('destruction-pending');
    expect(between.destructionBegun).toEqual({ at: due.toISOString(), by: 'Alice' });
    // Nor may a transition bring it back: its objects may be gone.
    expect(() => transitionKey(vault, 'Alice', key.id, 'deactivated', 'undo', due)).toThrow(
      expect.objectContaining({ code: 'KEY_STATE_INVALID' }),
    );
    expect(() => cancelDestruction(vault, 'Alice', key.id, due)).toThrow(
      expect.objectContaining({
        code: 'KEY_STATE_INVALID',
        message: expect.stringContaining('cannot be cancelled'),
      }),
    );

    const finished = await destroyAnyKey(
      vault,
      () => tokens,
      'Alice',
      key.id,
      request,
      { pin: pin() },
      due,
    );
    expect(finished.state).toBe('destroyed');
    expect(finished.destruction?.method).toContain(`CKA_ID ${ckaId} destroyed on token ${serial}`);
    // The audit log tells the whole story, in order, and its chain holds.
    const file = openVaultFile(realDeps(), dir.file('v.kw'), 'read-only');
    try {
      const actions = file
        .listAudit()
        .filter((entry) => entry.target === key.id)
        .map((entry) => `${entry.action}:${entry.outcome}`);
      expect(actions).toEqual([
        'key.generate:success',
        'key.transition:success',
        'key.destroy:success',
        'key.destroy:failure',
        'key.destroy-begin:success',
        'key.destroy:failure',
        'key.transition:failure',
        'key.cancel-destroy:failure',
        'key.destroy:success',
      ]);
      expect(file.verifyAuditChain()).toMatchObject({ intact: true });
    } finally {
      file.close();
    }
  });

  it('is refused before anything is written or destroyed when its checks fail', async () => {
    const now = new Date();
    const serial = hsm.tokens[2]?.serial ?? '';
    const key = await generateTokenKey(
      vault,
      tokens,
      'Alice',
      {
        name: 'not yet',
        algorithm: 'p256',
        purposes: ['sign'],
        owner: 'Alice',
        token: { serial, pin: pin() },
      },
      now,
    );
    transitionKey(vault, 'Alice', key.id, 'compromised', 'leaked', now);
    // The witness may not be the performer: refused, and nothing begun or destroyed.
    await expect(
      destroyAnyKey(
        vault,
        () => tokens,
        'Alice',
        key.id,
        { authorisedBy: 'Bob', witness: 'Alice' },
        { pin: pin() },
        now,
      ),
    ).rejects.toThrow(expect.objectContaining({ code: 'SEPARATION_OF_DUTIES' }));
    expect(showKey(vault, key.id).destructionBegun).toBeUndefined();
    const ckaId = key.location.kind === 'token' ? key.location.ckaId : '';
    const left = (await tokens.objects({ module: '', serial }, pin())).filter(
      (o) => o.id === ckaId,
    );
    expect(left).toHaveLength(2);
  });
});
