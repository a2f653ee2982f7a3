import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listKeys, showKey, transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import { generateKey } from '../../electron/core/inventory/key-creation.ts';
import { publicKeyFingerprint } from '../../electron/core/inventory/public-key-formats.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import { GENERATED_ALGORITHMS } from '../../electron/shared/inventory-types.ts';
import type { GeneratedAlgorithm, Purpose } from '../../electron/shared/inventory-types.ts';
import { runKeywarden } from '../helpers/cli.ts';
import { registerPeople } from '../helpers/inventory-fixture.ts';
import { makeVault, tempDir, TEST_PASSPHRASE, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The key inventory on a real vault: people, generation of every algorithm, separation of
// duties, the tier rule, transitions with their history, and the listing filters.

let dir: TempDir;
let path: string;
let vault: UnlockedVault;
const now = new Date('2026-06-01T12:00:00.000Z');

beforeEach(async () => {
  dir = tempDir('keywarden-inventory-');
  path = dir.file('v.kw');
  await makeVault(path);
  vault = await unlockVault(path);
  registerPeople(vault, [
    ['Alice', ['officer', 'custodian']],
    ['Bob', ['custodian']],
    ['Audrey', ['auditor']],
  ]);
});
afterEach(() => {
  if (!vault.locked) vault.lock('tester');
  dir.cleanup();
});

const PURPOSE_FOR: Record<GeneratedAlgorithm, Purpose[]> = {
  ed25519: ['sign', 'verify'],
  x25519: ['agree'],
  p256: ['sign', 'verify'],
  p384: ['sign'],
  rsa3072: ['sign', 'verify'],
  rsa4096: ['encrypt', 'decrypt'],
  aes256: ['encrypt', 'decrypt'],
  'hmac-sha256': ['mac'],
};
const BITS: Record<GeneratedAlgorithm, number> = {
  ed25519: 256,
  x25519: 256,
  p256: 256,
  p384: 384,
  rsa3072: 3072,
  rsa4096: 4096,
  aes256: 256,
  'hmac-sha256': 256,
};

const keyCount = () => listKeys(vault, {}, now).length;

describe('generating keys', () => {
  it.each(GENERATED_ALGORITHMS)(
    '%s: the stored private key matches the public key the inventory shows',
    async (algorithm) => {
      const key = await generateKey(
        vault,
        'Alice',
        {
          name: `${algorithm} key`,
          algorithm,
          purposes: PURPOSE_FOR[algorithm],
          owner: 'Alice',
          custodians: ['Bob'],
          tier: 2,
        },
        now,
      );
      expect(key).toMatchObject({
        algorithm,
        sizeBits: BITS[algorithm],
        state: 'active',
        location: { kind: 'vault' },
        version: 1,
      });
      const material = vault.readRecordBody('Alice', 'keys', key.id);
      try {
        if (algorithm === 'aes256' || algorithm === 'hmac-sha256') {
          expect(material).toHaveLength(32);
          expect(key.publicKey).toBeNull();
          expect(key.fingerprint).toBeNull();
          return;
        }
        const spki = Buffer.from(key.publicKey ?? '', 'base64');
        expect(key.fingerprint).toBe(publicKeyFingerprint(algorithm, spki));
        const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
        const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
        expect(
          createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).equals(spki),
        ).toBe(true);
        if (PURPOSE_FOR[algorithm].includes('sign')) {
          const hash = algorithm === 'ed25519' ? null : 'sha256';
          const signature = sign(hash, Buffer.from('message'), privateKey);
          expect(verify(hash, Buffer.from('message'), publicKey, signature)).toBe(true);
        }
      } finally {
        material.fill(0);
      }
    },
  );

  it('two generations never give the same key', async () => {
    const request = {
      name: 'k',
      algorithm: 'ed25519',
      purposes: ['sign'],
      owner: 'Alice',
      custodians: ['Bob'],
    } as const;
    const a = await generateKey(vault, 'Alice', request, now);
    const b = await generateKey(vault, 'Alice', request, now);
    expect(a.id).not.toBe(b.id);
    expect(a.publicKey).not.toBe(b.publicKey);
  });

  it('records the crypto-period of the governing policy row', async () => {
    const signing = await generateKey(
      vault,
      'Alice',
      { name: 's', algorithm: 'p256', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    expect(signing.cryptoPeriod).toEqual({
      policyRow: 'private-signature',
      originatorUsageEnd: '2029-06-01T12:00:00.000Z',
      recipientUsageEnd: '2029-06-01T12:00:00.000Z',
    });
    const data = await generateKey(
      vault,
      'Alice',
      { name: 'd', algorithm: 'aes256', purposes: ['encrypt', 'decrypt'], owner: 'Alice' },
      now,
    );
    expect(data.cryptoPeriod).toEqual({
      policyRow: 'symmetric-data-encryption',
      originatorUsageEnd: '2028-06-01T12:00:00.000Z',
      recipientUsageEnd: '2031-06-01T12:00:00.000Z',
    });
  });

  it.each([
    ['an auditor generating', 'Audrey', { owner: 'Alice' }, 'SEPARATION_OF_DUTIES'],
    ['an unregistered actor', 'mallory', { owner: 'Alice' }, 'PERSON_NOT_FOUND'],
    ['an unknown owner', 'Alice', { owner: 'Nobody' }, 'PERSON_NOT_FOUND'],
    [
      'a tier 2 key whose only custodian is its owner',
      'Alice',
      { owner: 'Alice', tier: 2, custodians: ['Alice'] },
      'SEPARATION_OF_DUTIES',
    ],
    [
      'a tier 1 key in the vault',
      'Alice',
      { owner: 'Alice', tier: 1, custodians: ['Bob'] },
      'POLICY_VIOLATION',
    ],
    [
      'a purpose the algorithm cannot serve',
      'Alice',
      { owner: 'Alice', purposes: ['encrypt'] },
      'BAD_REQUEST',
    ],
    ['an unknown algorithm', 'Alice', { owner: 'Alice', algorithm: 'dsa1024' }, 'BAD_REQUEST'],
    ['a tier out of range', 'Alice', { owner: 'Alice', tier: 5 }, 'BAD_REQUEST'],
  ])('refuses %s, changing nothing', async (_name, actor, override, code) => {
    const request = { name: 'refused', algorithm: 'ed25519', purposes: ['sign'], ...override };
    await expect(generateKey(vault, actor, request as never, now)).rejects.toMatchObject({ code });
    expect(keyCount()).toBe(0);
  });
});

describe('transitions', () => {
  it('record who, when and why, in the key and in the audit log', async () => {
    const key = await generateKey(
      vault,
      'Alice',
      { name: 'k', algorithm: 'ed25519', purposes: ['sign', 'verify'], owner: 'Alice' },
      now,
    );
    const later = new Date('2026-07-01T00:00:00.000Z');
    transitionKey(vault, 'Alice', key.id, 'suspended', 'investigating a lost laptop', later);
    const back = transitionKey(
      vault,
      'Bob',
      key.id,
      'active',
      'laptop found, disk encrypted',
      later,
    );
    expect(back.history.map((h) => [h.from, h.to, h.by, h.reason])).toEqual([
      [null, 'active', 'Alice', 'generated in the vault'],
      ['active', 'suspended', 'Alice', 'investigating a lost laptop'],
      ['suspended', 'active', 'Bob', 'laptop found, disk encrypted'],
    ]);
    expect(showKey(vault, key.id).state).toBe('active');
    // The reason is inventory data (sealed), not written to the plaintext audit log.
    const audit = vault.verifyAudit();
    expect(audit.intact).toBe(true);
  });

  it('refuse an illegal move, naming the current state, and change nothing', async () => {
    const key = await generateKey(
      vault,
      'Alice',
      { name: 'k', algorithm: 'ed25519', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    expect(() => transitionKey(vault, 'Alice', key.id, 'pre-activation', 'why not', now)).toThrow(
      expect.objectContaining({
        code: 'KEY_STATE_INVALID',
        message: expect.stringContaining('The key is active'),
      }),
    );
    transitionKey(vault, 'Alice', key.id, 'deactivated', 'superseded', now);
    expect(() =>
      transitionKey(vault, 'Alice', key.id, 'destruction-pending', 'clean up', now),
    ).toThrow(/destruction flow/);
    expect(() =>
      transitionKey(vault, 'Audrey', key.id, 'compromised', 'audit finding', now),
    ).toThrow(expect.objectContaining({ code: 'SEPARATION_OF_DUTIES' }));
    expect(() => transitionKey(vault, 'Alice', key.id, 'compromised', '  ', now)).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    expect(() => transitionKey(vault, 'Alice', 'k-missing', 'compromised', 'x', now)).toThrow(
      expect.objectContaining({ code: 'KEY_NOT_FOUND' }),
    );
    expect(showKey(vault, key.id)).toMatchObject({
      state: 'deactivated',
      version: 1,
    });
    expect(showKey(vault, key.id).history).toHaveLength(2);
  });
});

describe('listing', () => {
  it('filters by state, owner and due date', async () => {
    await generateKey(
      vault,
      'Alice',
      { name: 'sig', algorithm: 'ed25519', purposes: ['sign'], owner: 'Alice' },
      now,
    );
    const mac = await generateKey(
      vault,
      'Alice',
      { name: 'mac', algorithm: 'hmac-sha256', purposes: ['mac'], owner: 'Bob' },
      now,
    );
    const master = await generateKey(
      vault,
      'Alice',
      { name: 'master', algorithm: 'aes256', purposes: ['derive'], owner: 'Bob' },
      now,
    );
    transitionKey(vault, 'Alice', mac.id, 'suspended', 'rotation prep', now);
    const names = (keys: { name: string }[]) => keys.map((k) => k.name);
    expect(names(listKeys(vault, {}, now))).toEqual(['mac', 'master', 'sig']);
    expect(names(listKeys(vault, { state: 'suspended' }, now))).toEqual(['mac']);
    expect(names(listKeys(vault, { owner: 'bob' }, now))).toEqual(['mac', 'master']);
    // The master key's originator use ends after 1 year, the MAC key's after 2, signing after 3.
    const in11Months = new Date('2027-05-01T12:00:00.000Z');
    expect(names(listKeys(vault, { dueWithinDays: 31 }, in11Months))).toEqual(['master']);
    expect(
      names(listKeys(vault, { dueWithinDays: 0 }, new Date('2028-07-01T00:00:00.000Z'))),
    ).toEqual(['mac', 'master']);
    expect(master.cryptoPeriod.policyRow).toBe('symmetric-master');
    expect(() => listKeys(vault, { owner: 'Nobody' }, now)).toThrow(
      expect.objectContaining({ code: 'PERSON_NOT_FOUND' }),
    );
  });
});

describe('the keywarden command', () => {
  it('people, policy and keys end to end, and no key material or key name in the file in plain', async () => {
    vault.lock('tester');
    const passFile = dir.file('pass');
    writeFileSync(passFile, TEST_PASSPHRASE, { mode: 0o600 });
    const base = ['--vault', path, '--passphrase-file', passFile, '--actor', 'Alice'];
    const run = (...args: string[]) => runKeywarden([...args, ...base]);

    const people = await run('people', 'list', '--json');
    expect(people.code).toBe(0);
    expect((JSON.parse(people.stdout) as { name: string }[]).map((p) => p.name)).toEqual([
      'Alice',
      'Audrey',
      'Bob',
    ]);
    const byBob = await runKeywarden([
      'people',
      'add',
      '--name',
      'Eve',
      '--role',
      'witness',
      '--vault',
      path,
      '--passphrase-file',
      passFile,
      '--actor',
      'Bob',
    ]);
    expect(byBob.code).toBe(1);
    expect(byBob.stderr).toMatch(/^error \[SEPARATION_OF_DUTIES\]: Only an officer/);

    const policy = await run('policy', 'show', '--json');
    expect((JSON.parse(policy.stdout) as { rows: unknown[] }).rows).toHaveLength(16);

    const generated = await run(
      'keys',
      'generate',
      '--name',
      'zebra-release-signing',
      '--algorithm',
      'p256',
      '--purpose',
      'sign,verify',
      '--owner',
      'Alice',
      '--custodian',
      'Bob',
      '--tier',
      '2',
      '--json',
    );
    expect(generated.stderr).toBe('');
    const key = JSON.parse(generated.stdout) as { id: string; state: string; publicKey: string };
    expect(key.state).toBe('active');

    const tier1 = await run(
      'keys',
      'generate',
      '--name',
      'root',
      '--algorithm',
      'p384',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
      '--custodian',
      'Bob',
      '--tier',
      '1',
    );
    expect(tier1.code).toBe(1);
    expect(tier1.stderr).toMatch(/^error \[POLICY_VIOLATION\]: Rule "tier 1 on a token or split"/);
    const badAlgorithm = await run(
      'keys',
      'generate',
      '--name',
      'x',
      '--algorithm',
      'dsa',
      '--purpose',
      'sign',
      '--owner',
      'Alice',
    );
    expect(badAlgorithm.code).toBe(2);

    const moved = await run(
      'keys',
      'transition',
      key.id,
      '--to',
      'deactivated',
      '--reason',
      'superseded',
    );
    expect(moved.stdout).toContain('is now deactivated');
    const illegal = await run('keys', 'transition', key.id, '--to', 'active', '--reason', 'undo');
    expect(illegal.code).toBe(1);
    expect(illegal.stderr).toMatch(/^error \[KEY_STATE_INVALID\]: The key is deactivated/);

    const listed = await run('keys', 'list', '--state', 'deactivated', '--json');
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((k) => k.id)).toEqual([key.id]);
    const shown = await run('keys', 'show', key.id);
    expect(shown.stdout).toMatch(/active -> deactivated {2}by Alice: superseded/);
    const missingId = await run('keys', 'show');
    expect(missingId.code).toBe(2);

    const verify = await run('audit', 'verify');
    expect(verify.code).toBe(0);
    const list = await runKeywarden(['audit', 'list', '--vault', path, '--json']);
    const actions = (JSON.parse(list.stdout) as { action: string; outcome: string }[]).map(
      (e) => `${e.action} ${e.outcome}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'key.generate success',
        'key.generate failure',
        'key.transition success',
        'key.transition failure',
        'person.add failure',
      ]),
    );

    const bytes = Buffer.concat(
      readdirSync(dir.path)
        .filter((n) => n.startsWith('v.kw'))
        .map((n) => readFileSync(dir.file(n))),
    );
    for (const plain of ['zebra-release-signing', 'superseded', 'Audrey'])
      expect(bytes.includes(Buffer.from(plain))).toBe(false);
  });
});
