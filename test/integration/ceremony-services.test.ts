import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { proofOf, upToAction } from '../helpers/ceremony-services.ts';
import { makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// The ceremony channels as the app calls them, with a clock the test moves: a long ceremony
// still splits its key (the administrator's presence at the step is the fresh authentication
// a split asks for, where a bare split is refused); what contributors gave is forgotten when
// the vault locks; a damaged share is refused when it is given, not when the last custodian
// has given theirs; and ceremonies that could only fail at their action are not opened.

let dir: TempDir;
let services: KeywardenServices;
let clock = new Date('2026-11-23T09:00:00Z');
let signer: KeyView;
let key: KeyView;
const minutes = (n: number) => (clock = new Date(clock.getTime() + n * 60_000));
const unlock = () =>
  services.invoke('vault:unlock', {
    path: dir.file('v.kw'),
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });

beforeAll(async () => {
  dir = tempDir('keywarden-ceremony-services-');
  await makeVault(dir.file('v.kw'));
  services = new KeywardenServices({ deps: { ...realDeps(), now: () => clock }, actor: 'Alice' });
  await unlock();
  for (const [name, roles] of [
    ['Alice', ['officer']],
    ['Carol', ['custodian']],
    ['Dave', ['custodian']],
    ['Wendy', ['witness']],
  ] as const) {
    await services.invoke('people:add', { name, roles: [...roles] });
    await services.invoke('people:set-presence', { name, passphrase: proofOf(name).passphrase });
  }
  signer = await services.invoke('keys:generate', {
    name: 'ceremony key',
    algorithm: 'ed25519',
    purposes: ['sign'],
    owner: 'Alice',
    tier: 3,
  });
  key = await services.invoke('keys:generate', {
    name: 'zone master',
    algorithm: 'aes256',
    purposes: ['encrypt'],
    owner: 'Alice',
    tier: 3,
  });
});
afterAll(async () => {
  await services.dispose();
  dir.cleanup();
});

const PEOPLE = [
  { role: 'administrator', name: 'Alice' },
  { role: 'custodian', name: 'Carol' },
  { role: 'custodian', name: 'Dave' },
  { role: 'witness', name: 'Wendy' },
] as const;

describe('ceremonies through the services', () => {
  it('lists who has a presence factor and of which kind, never the factor itself', async () => {
    await services.invoke('people:add', { name: 'Zoe', roles: ['witness'] });
    const people = await services.invoke('people:list', {});
    expect(people.find((p) => p.name === 'Carol')).toMatchObject({ presence: 'passphrase' });
    expect(people.find((p) => p.name === 'Zoe')).not.toHaveProperty('presence');
    expect(JSON.stringify(people)).not.toMatch(/verifier|salt/);
  });

  it('splits the key at a step reached long after the unlock, where a bare split is refused', async () => {
    const out = dir.file('medium');
    mkdirSync(out);
    const started = await services.invoke('ceremony:start', {
      template: 'split-key',
      parameters: { key: key.id, threshold: 2, 'out-dir': out },
      participants: [...PEOPLE],
      signingKey: signer.id,
    });
    const due = await upToAction(services, started);
    minutes(30);
    await expect(
      services.invoke('ceremony:split-key', {
        keyId: key.id,
        threshold: 2,
        custodians: ['Carol', 'Dave'],
        outDir: out,
      }),
    ).rejects.toMatchObject({ code: 'REAUTH_REQUIRED' });
    const split = await services.invoke('ceremony:advance', {
      id: due.id,
      step: 'split',
      by: 'Alice',
      ...proofOf('Alice'),
    });
    expect(split.entries.at(-1)).toMatchObject({ event: 'action', by: 'Alice' });
    expect(split.next).toEqual({ step: 'hand-over', by: 'Carol' });
  });

  it('refuses a damaged share when it is given, and forgets what was given when the vault locks', async () => {
    const out = dir.file('for-recombining');
    mkdirSync(out);
    await unlock();
    const made = await services.invoke('ceremony:split-key', {
      keyId: key.id,
      threshold: 2,
      custodians: ['Carol', 'Dave'],
      outDir: out,
    });
    const shareOf = (i: number) => readFileSync(made.files[i]!.path);
    const started = await services.invoke('ceremony:start', {
      template: 'recombine-key',
      parameters: { threshold: 2, name: 'rebuilt', purposes: 'encrypt', owner: 'Alice', tier: 3 },
      participants: [...PEOPLE],
      signingKey: signer.id,
    });
    const due = await upToAction(services, started);
    expect(due.next).toEqual({ step: 'combine', by: 'Carol' });
    const damaged = Buffer.from(
      shareOf(0)
        .toString('utf8')
        .replace(/"index": 1/, '"index": 2'),
    );
    await expect(
      services.invoke('ceremony:advance', {
        id: due.id,
        step: 'combine',
        by: 'Carol',
        ...proofOf('Carol'),
        input: { share: damaged },
      }),
    ).rejects.toMatchObject({ code: 'SHARE_INVALID' });
    const given = await services.invoke('ceremony:advance', {
      id: due.id,
      step: 'combine',
      by: 'Carol',
      ...proofOf('Carol'),
      input: { share: shareOf(0) },
    });
    expect(given.next).toEqual({ step: 'combine', by: 'Dave' });
    // Locked and unlocked again: Carol's share is gone, and she is asked for it again.
    await services.invoke('vault:lock', {});
    await unlock();
    const shown = await services.invoke('ceremony:show', { id: due.id });
    expect(shown.next).toEqual({ step: 'combine', by: 'Carol' });
  });

  it('opens no ceremony whose action could only fail', async () => {
    const before = await services.invoke('ceremony:list', {});
    const start = (
      template: string,
      parameters: Record<string, string | number>,
      signingKey = signer.id,
    ) =>
      services.invoke('ceremony:start', {
        template,
        parameters,
        participants: [
          { role: 'administrator', name: 'Alice' },
          { role: 'witness', name: 'Wendy' },
        ],
        signingKey,
      });
    // Active, not scheduled for destruction: destroying it now would only schedule it.
    await expect(start('destroy-key', { key: key.id })).rejects.toMatchObject({
      code: 'KEY_STATE_INVALID',
    });
    // The ceremony's own key rotated away: the transcript could not be signed.
    await expect(start('rotate-key', { key: signer.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    // A text parameter longer than the channel it feeds takes.
    await expect(start('enrol-token', { label: 'x'.repeat(33) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      services.invoke('ceremony:start', {
        template: 'split-key',
        parameters: { key: key.id, threshold: 2, 'out-dir': join(dir.path, 'not mounted') },
        participants: [...PEOPLE],
        signingKey: signer.id,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await services.invoke('ceremony:list', {})).toEqual(before);
  });
});
