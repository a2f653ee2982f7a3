import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, registerKey } from '../../electron/core/inventory/key-creation.ts';
import { destroyKey } from '../../electron/core/inventory/key-destruction.ts';
import { macWithKey } from '../../electron/core/inventory/key-ciphers.ts';
import { listKeys, showKey, transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { signWithKey, verifyWithKey } from '../../electron/core/inventory/key-operations.ts';
import { rewrapDataKeys, rotateKey } from '../../electron/core/inventory/key-rotation.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Rotation: versions of one logical key, the predecessor deactivated, a signing key's
// publication window, data keys rewrapped under a rotated KEK; and keys held elsewhere.

let dir: TempDir;
let vault: UnlockedVault;
const now = new Date('2026-11-22T12:00:00Z');
const later = (days: number) => new Date(now.getTime() + days * 86_400_000);
const code = (c: string) => expect.objectContaining({ code: c });

beforeAll(async () => {
  dir = tempDir('keywarden-rotation-');
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
  registerPeople(vault, [
    ['Alice', ['officer']],
    ['Bob', ['custodian', 'witness']],
    ['Carol', ['auditor']],
  ]);
});
afterAll(() => {
  vault.lock('tester');
  dir.cleanup();
});

describe('rotation', () => {
  it('makes a new version of the same logical key and deactivates the predecessor', async () => {
    const v1 = await generateKey(
      vault,
      'Alice',
      {
        name: 'release signing',
        algorithm: 'ed25519',
        purposes: ['sign', 'verify'],
        owner: 'Alice',
        custodians: ['Bob'],
        labels: ['ci'],
      },
      now,
    );
    const data = Buffer.from('release 1.0');
    const oldSignature = signWithKey(vault, 'Alice', v1.id, data);
    const { key: v2, predecessor } = await rotateKey(
      vault,
      'Alice',
      v1.id,
      { reason: 'yearly' },
      later(10),
    );
    expect(v2).toMatchObject({
      lineage: v1.id,
      version: 2,
      predecessor: v1.id,
      successor: null,
      state: 'active',
      name: 'release signing',
      labels: ['ci'],
      custodians: v1.custodians,
    });
    expect(v2.fingerprint).not.toBe(v1.fingerprint);
    expect(v2.cryptoPeriod.originatorUsageEnd).not.toBe(v1.cryptoPeriod.originatorUsageEnd);
    expect(predecessor).toMatchObject({ state: 'deactivated', successor: v2.id });
    expect(showKey(vault, v1.id).history.at(-1)).toMatchObject({
      from: 'active',
      to: 'deactivated',
      by: 'Alice',
      reason: `rotated to ${v2.id}: yearly`,
    });
    // The predecessor verifies but no longer signs; the successor signs.
    expect(verifyWithKey(vault, 'Alice', v1.id, data, oldSignature)).toBe(true);
    expect(() => signWithKey(vault, 'Alice', v1.id, data)).toThrow(code('KEY_STATE_INVALID'));
    expect(
      verifyWithKey(vault, 'Alice', v2.id, data, signWithKey(vault, 'Alice', v2.id, data)),
    ).toBe(true);
    // Only the newest version rotates.
    await expect(rotateKey(vault, 'Alice', v1.id, {}, later(11))).rejects.toThrow(
      code('KEY_STATE_INVALID'),
    );
  });

  it('keeps a rotated signing key published through its window, then not', async () => {
    const v1 = await generateKey(
      vault,
      'Alice',
      { name: 'jwks', algorithm: 'p256', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    const { key: v2 } = await rotateKey(vault, 'Alice', v1.id, { publishDays: 14 }, now);
    const published = (at: Date) => listKeys(vault, { published: true }, at).map((k) => k.id);
    expect(published(later(13))).toEqual(expect.arrayContaining([v1.id, v2.id]));
    expect(published(later(15))).toContain(v2.id);
    expect(published(later(15))).not.toContain(v1.id);
    // A key that does not sign has no window to keep.
    const aes = await generateKey(
      vault,
      'Alice',
      { name: 'aes', algorithm: 'aes256', purposes: ['encrypt'], owner: 'Alice' },
      now,
    );
    await expect(rotateKey(vault, 'Alice', aes.id, { publishDays: 3 }, now)).rejects.toThrow(
      code('BAD_REQUEST'),
    );
    await expect(rotateKey(vault, 'Alice', v2.id, { publishDays: 366 }, now)).rejects.toThrow(
      code('BAD_REQUEST'),
    );
  });

  it('refuses a deactivated key, an auditor, and a key held elsewhere', async () => {
    const key = await generateKey(
      vault,
      'Alice',
      { name: 'old', algorithm: 'ed25519', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    await expect(rotateKey(vault, 'Carol', key.id, {}, now)).rejects.toThrow(
      code('SEPARATION_OF_DUTIES'),
    );
    transitionKey(vault, 'Alice', key.id, 'deactivated', 'retired', now);
    await expect(rotateKey(vault, 'Alice', key.id, {}, now)).rejects.toThrow(
      code('KEY_STATE_INVALID'),
    );
    const kms = await registerKey(
      vault,
      'Alice',
      {
        name: 'cloud',
        algorithm: 'aes256',
        purposes: ['encrypt'],
        owner: 'Alice',
        location: {
          kind: 'external',
          reference: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd',
        },
      },
      now,
    );
    await expect(rotateKey(vault, 'Alice', kms.id, {}, now)).rejects.toThrow(code('KEY_NOT_HELD'));
  });
});

describe('data keys under a key-encryption key', () => {
  it('rewraps every data key under the new KEK version; their material is unchanged', async () => {
    const kek = await generateKey(
      vault,
      'Alice',
      { name: 'kek', algorithm: 'aes256', purposes: ['wrap', 'unwrap'], owner: 'Alice' },
      now,
    );
    const dataKeys = [];
    for (let i = 0; i < 230; i += 1) {
      dataKeys.push(
        await generateKey(
          vault,
          'Alice',
          {
            name: `dek ${i}`,
            algorithm: 'hmac-sha256',
            purposes: ['mac'],
            owner: 'Alice',
            wrappedBy: kek.id,
          },
          now,
        ),
      );
    }
    const message = Buffer.from('tag me');
    const tags = dataKeys.map((dk) => macWithKey(vault, 'Alice', dk.id, message));
    const progress: Array<[number, number]> = [];
    const { key: kek2, rewrapped } = await rotateKey(vault, 'Alice', kek.id, {}, later(1), (p) =>
      progress.push([p.done, p.total]),
    );
    expect(rewrapped).toBe(230);
    expect(progress).toEqual([
      [100, 230],
      [200, 230],
      [230, 230],
    ]);
    for (const [i, dk] of dataKeys.entries()) {
      const after = showKey(vault, dk.id);
      expect(after.wrappedBy).toBe(kek2.id);
      expect(after.changes.at(-1)?.fields).toEqual({ wrappedBy: { from: kek.id, to: kek2.id } });
      expect(macWithKey(vault, 'Alice', dk.id, message)).toEqual(tags[i]);
    }
    // Nothing is left, so running it again does nothing.
    expect(rewrapDataKeys(vault, 'Alice', kek.id, later(2)).rewrapped).toBe(0);
    // A new data key goes under the newest KEK version; the old one cannot wrap any more.
    await expect(
      generateKey(
        vault,
        'Alice',
        {
          name: 'late',
          algorithm: 'aes256',
          purposes: ['encrypt'],
          owner: 'Alice',
          wrappedBy: kek.id,
        },
        now,
      ),
    ).rejects.toThrow(code('KEY_STATE_INVALID'));
    expect(vault.verifyAudit().intact).toBe(true);
  });

  it('will not destroy a KEK that still holds data keys', async () => {
    const kek = await generateKey(
      vault,
      'Alice',
      { name: 'kek2', algorithm: 'aes256', purposes: ['wrap', 'unwrap'], owner: 'Alice' },
      now,
    );
    const dk = await generateKey(
      vault,
      'Alice',
      {
        name: 'dek',
        algorithm: 'aes256',
        purposes: ['encrypt', 'decrypt'],
        owner: 'Alice',
        wrappedBy: kek.id,
      },
      now,
    );
    transitionKey(vault, 'Alice', kek.id, 'deactivated', 'retired', now);
    expect(() =>
      destroyKey(vault, 'Alice', kek.id, { authorisedBy: 'Alice', witness: 'Bob' }, now),
    ).toThrow(code('REWRAP_PENDING'));
    expect(showKey(vault, kek.id).state).toBe('deactivated');
    // A KEK that cannot wrap is refused as a parent.
    const signer = await generateKey(
      vault,
      'Alice',
      { name: 's', algorithm: 'ed25519', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    await expect(
      generateKey(
        vault,
        'Alice',
        {
          name: 'x',
          algorithm: 'aes256',
          purposes: ['encrypt'],
          owner: 'Alice',
          wrappedBy: signer.id,
        },
        now,
      ),
    ).rejects.toThrow(code('KEY_PURPOSE_MISMATCH'));
    expect(showKey(vault, dk.id).wrappedBy).toBe(kek.id);
  });
});

describe('edge cases of rotation and data keys', () => {
  const aesKek = (name: string) =>
    generateKey(
      vault,
      'Alice',
      { name, algorithm: 'aes256', purposes: ['wrap', 'unwrap'], owner: 'Alice' },
      now,
    );
  const dataKey = (name: string, kek: string) =>
    generateKey(
      vault,
      'Alice',
      { name, algorithm: 'hmac-sha256', purposes: ['mac'], owner: 'Alice', wrappedBy: kek },
      now,
    );

  it('rescues the data keys of a compromised KEK and then lets it be destroyed', async () => {
    const kek = await aesKek('leaked kek');
    const dek = await dataKey('dek under leaked', kek.id);
    const tag = macWithKey(vault, 'Alice', dek.id, Buffer.from('m'));
    transitionKey(vault, 'Alice', kek.id, 'compromised', 'found on a paste site', now);
    const result = await rotateKey(vault, 'Alice', kek.id, {}, now);
    expect(result).toMatchObject({ rewrapped: 1, rewrapPending: 0 });
    expect(result.predecessor).toMatchObject({ state: 'compromised', publishedUntil: null });
    expect(showKey(vault, dek.id).wrappedBy).toBe(result.key.id);
    expect(macWithKey(vault, 'Alice', dek.id, Buffer.from('m'))).toEqual(tag);
    expect(
      destroyKey(vault, 'Alice', kek.id, { authorisedBy: 'Alice', witness: 'Bob' }, now).state,
    ).toBe('destroyed-compromised');
  });

  it('does not count or rewrap destroyed data keys', async () => {
    const kek = await aesKek('kek with a destroyed dek');
    const dek = await dataKey('short-lived dek', kek.id);
    transitionKey(vault, 'Alice', dek.id, 'compromised', 'test', now);
    destroyKey(vault, 'Alice', dek.id, { authorisedBy: 'Alice', witness: 'Bob' }, now);
    const { rewrapped, rewrapPending } = await rotateKey(vault, 'Alice', kek.id, {}, now);
    expect([rewrapped, rewrapPending]).toEqual([0, 0]);
    expect(showKey(vault, dek.id)).toMatchObject({ wrappedBy: kek.id, changes: [] });
    transitionKey(
      vault,
      'Alice',
      showKey(vault, kek.id).successor ?? '',
      'deactivated',
      'done',
      now,
    );
    expect(() =>
      destroyKey(
        vault,
        'Alice',
        kek.id,
        { authorisedBy: 'Alice', witness: 'Bob', afterDays: 7 },
        now,
      ),
    ).not.toThrow();
    expect(() => macWithKey(vault, 'Alice', dek.id, Buffer.from('m'))).toThrow(
      code('KEY_STATE_INVALID'),
    );
  });

  it('refuses a KEK that is itself wrapped, or lives on a token, before generating anything', async () => {
    const outer = await aesKek('outer');
    const inner = await generateKey(
      vault,
      'Alice',
      {
        name: 'inner',
        algorithm: 'aes256',
        purposes: ['wrap'],
        owner: 'Alice',
        wrappedBy: outer.id,
      },
      now,
    );
    await expect(dataKey('nested', inner.id)).rejects.toThrow(code('KEY_PURPOSE_MISMATCH'));
    const onToken = await registerKey(
      vault,
      'Alice',
      {
        name: 'token kek',
        algorithm: 'aes256',
        purposes: ['wrap'],
        owner: 'Alice',
        location: { kind: 'token', serial: 'SN1', ckaId: '01' },
      },
      now,
    );
    await expect(dataKey('on token', onToken.id)).rejects.toThrow(code('KEY_NOT_HELD'));
  });

  it('never keeps a compromised signing key published', async () => {
    const signer = await generateKey(
      vault,
      'Alice',
      { name: 'leaked signer', algorithm: 'ed25519', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    transitionKey(vault, 'Alice', signer.id, 'compromised', 'stolen laptop', now);
    await expect(rotateKey(vault, 'Alice', signer.id, { publishDays: 5 }, now)).rejects.toThrow(
      code('BAD_REQUEST'),
    );
    const { predecessor } = await rotateKey(vault, 'Alice', signer.id, {}, now);
    expect(predecessor.publishedUntil).toBeNull();
  });

  it('reads entries written before versions and data keys existed', async () => {
    const signer = await generateKey(
      vault,
      'Alice',
      { name: 'old format', algorithm: 'ed25519', purposes: ['sign', 'verify'], owner: 'Alice' },
      now,
    );
    // Rewrite the entry as the previous release stored it: without the fields added since.
    vault.apply(
      { actor: 'Alice', action: 'test.downgrade', target: signer.id, outcome: 'success' },
      (records) => {
        const body = records.readBody('keys', signer.id);
        const { lineage, successor, publishedUntil, wrappedBy, publicOnly, changes, ...old } =
          signer;
        void [lineage, successor, publishedUntil, wrappedBy, publicOnly, changes];
        records.put('keys', signer.id, { ...old }, body);
        body.fill(0);
      },
    );
    expect(showKey(vault, signer.id)).toMatchObject({
      lineage: signer.id,
      successor: null,
      wrappedBy: null,
      changes: [],
    });
    const data = Buffer.from('still works');
    expect(
      verifyWithKey(vault, 'Alice', signer.id, data, signWithKey(vault, 'Alice', signer.id, data)),
    ).toBe(true);
    const { key } = await rotateKey(vault, 'Alice', signer.id, {}, now);
    expect(key).toMatchObject({ lineage: signer.id, version: 2 });
  });
});
