import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The services with the real token layer: locking the vault logs out of the token sessions
// the layer holds between calls, so nothing stays logged in to a card once the vault is locked.

let hsm: SoftHsm;
let dir: TempDir;
let services: KeywardenServices;

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 1, prefix: 'kw-services-' });
  dir = tempDir('keywarden-token-services-');
  await makeVault(dir.file('v.kw'));
  services = new KeywardenServices({
    deps: realDeps(),
    actor: 'Alice',
    openTokens: () => openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 }),
  });
});
afterAll(async () => {
  await services.dispose();
  hsm.cleanup();
  dir.cleanup();
});

const unlock = () =>
  services.invoke('vault:unlock', {
    path: dir.file('v.kw'),
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });

describe('locking the vault', () => {
  it('logs out of the token sessions held between calls', async () => {
    const token = hsm.tokens[0];
    const serial = token?.serial ?? '';
    await unlock();
    await services.invoke('people:add', { name: 'Alice', roles: ['officer'] });
    const key = await services.invoke('keys:generate', {
      name: 'signer',
      algorithm: 'p256',
      purposes: ['sign'],
      owner: 'Alice',
      token: { serial, pin: Buffer.from('1234') },
    });
    const sign = () =>
      services.invoke('keys:sign', {
        id: key.id,
        data: Buffer.from('x'),
        pin: Buffer.from('1234'),
      });
    // SoftHSM2 clears CKF_USER_PIN_COUNT_LOW on a successful C_Login, and only then.
    const countLow = () =>
      hsm.pkcs11Tool(['--list-token-slots'], token).includes('user PIN count low');
    await sign();
    hsm.setPinState(serial, { user: 'countLow' });
    await sign();
    expect(countLow()).toBe(true); // the held session signed: no new login
    await services.invoke('vault:lock', {});
    await unlock();
    await sign();
    expect(countLow()).toBe(false); // the lock logged out: this signature logged in again
  });
});
