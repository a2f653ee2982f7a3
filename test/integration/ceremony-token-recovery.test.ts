import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCeremony, saveCeremony } from '../../electron/core/ceremony/ceremony-state.ts';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import { proofOf, upToAction } from '../helpers/ceremony-services.ts';
import { DEFAULT_USER_PIN, SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { makeVault, passphraseBytes, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// A key generated on a token in a ceremony: its CKA_ID is chosen and recorded before the
// token makes it, so a run that stopped after the token made the key but before the vault
// recorded it is finished by entering that key, not by making a second one beside it. The
// interruption is reproduced exactly: the recorded plan, and the key pair made on the token
// under that id by OpenSC's pkcs11-tool, with no inventory entry.

let hsm: SoftHsm;
let dir: TempDir;
let services: KeywardenServices;
const pin = () => Buffer.from(DEFAULT_USER_PIN);

beforeAll(async () => {
  hsm = startSoftHsm({ tokens: 1, prefix: 'kw-ceremony-token-' });
  dir = tempDir('keywarden-ceremony-token-');
  await makeVault(dir.file('v.kw'));
  services = new KeywardenServices({
    deps: realDeps(),
    actor: 'Alice',
    openTokens: () => openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 }),
  });
  await services.invoke('vault:unlock', {
    path: dir.file('v.kw'),
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });
  await services.invoke('people:add', { name: 'Alice', roles: ['officer'] });
  await services.invoke('people:add', { name: 'Wendy', roles: ['witness'] });
  for (const name of ['Alice', 'Wendy'])
    await services.invoke('people:set-presence', { name, passphrase: proofOf(name).passphrase });
});
afterAll(async () => {
  await services.dispose();
  hsm.cleanup();
  dir.cleanup();
});

describe('a ceremony generating a key on a token', () => {
  it('enters the key an interrupted run left on the token instead of making a second', async () => {
    const serial = hsm.tokens[0]!.serial;
    const signer = await services.invoke('keys:generate', {
      name: 'ceremony key',
      algorithm: 'ed25519',
      purposes: ['sign'],
      owner: 'Alice',
      tier: 3,
    });
    const started = await services.invoke('ceremony:start', {
      template: 'generate-key',
      parameters: {
        name: 'root',
        algorithm: 'p256',
        purposes: 'sign,verify',
        owner: 'Alice',
        tier: 3,
        token: serial,
      },
      participants: [
        { role: 'administrator', name: 'Alice' },
        { role: 'witness', name: 'Wendy' },
      ],
      signingKey: signer.id,
    });
    const due = await upToAction(services, started);
    expect(due.next).toEqual({ step: 'generate', by: 'Alice' });

    // The interrupted run: its plan recorded, then the key made on the token, then nothing.
    const ckaId = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const direct = await unlockVault(dir.file('v.kw'));
    const event = {
      actor: 'Alice',
      action: 'ceremony.action-begun',
      target: due.id,
      outcome: 'success' as const,
    };
    direct.apply(event, (records) =>
      saveCeremony(records, {
        ...readCeremony(records, due.id),
        pending: { step: 'generate', paths: [], ckaId },
      }),
    );
    direct.lock('tester');
    hsm.pkcs11Tool(
      [
        '--login',
        '--pin',
        DEFAULT_USER_PIN,
        '--keypairgen',
        '--key-type',
        'EC:prime256v1',
        '--id',
        ckaId,
        '--label',
        'root',
      ],
      hsm.tokens[0],
    );

    const done = await services.invoke('ceremony:advance', {
      id: due.id,
      step: 'generate',
      by: 'Alice',
      ...proofOf('Alice'),
      input: { pin: pin() },
    });
    const action = done.entries.find((e) => e.event === 'action')!;
    expect(action.detail).toMatchObject({ recovered: true, location: `token ${serial}` });
    const key = await services.invoke('keys:show', { id: String(action.detail.key) });
    expect(key.location).toMatchObject({ kind: 'token', serial, ckaId });
    expect(key.owner).toBe(
      (await services.invoke('people:list', {})).find((p) => p.name === 'Alice')!.id,
    );
    // One key pair on the token: the one made before the interruption.
    const objects = await services.invoke('tokens:objects', { serial, pin: pin() });
    expect(objects.filter((o) => o.class === 'private-key').map((o) => o.id)).toEqual([ckaId]);
  });

  it('makes the key under a CKA_ID recorded first when nothing was interrupted', async () => {
    const serial = hsm.tokens[0]!.serial;
    const signer = (await services.invoke('keys:list', {})).find((k) => k.name === 'ceremony key')!;
    const started = await services.invoke('ceremony:start', {
      template: 'generate-key',
      parameters: {
        name: 'issuing',
        algorithm: 'p256',
        purposes: 'sign',
        owner: 'Alice',
        tier: 3,
        token: serial,
      },
      participants: [
        { role: 'administrator', name: 'Alice' },
        { role: 'witness', name: 'Wendy' },
      ],
      signingKey: signer.id,
    });
    const due = await upToAction(services, started);
    const done = await services.invoke('ceremony:advance', {
      id: due.id,
      step: 'generate',
      by: 'Alice',
      ...proofOf('Alice'),
      input: { pin: pin() },
    });
    const action = done.entries.find((e) => e.event === 'action')!;
    expect(action.detail.recovered).toBeUndefined();
    const key = await services.invoke('keys:show', { id: String(action.detail.key) });
    const objects = await services.invoke('tokens:objects', { serial, pin: pin() });
    const ckaId = key.location.kind === 'token' ? key.location.ckaId : '';
    expect(objects.filter((o) => o.class === 'private-key' && o.id === ckaId)).toHaveLength(1);
    // A CKA_ID the token already holds is refused rather than shared by two keys.
    await expect(
      services.invoke('keys:generate', {
        name: 'twin',
        algorithm: 'p256',
        purposes: ['sign'],
        owner: 'Alice',
        tier: 3,
        token: { serial, pin: pin(), ckaId },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
