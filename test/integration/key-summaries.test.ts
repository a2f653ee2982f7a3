import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenServices } from '../../electron/services/services.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import type { ServiceEvent } from '../../electron/shared/contract.ts';
import { dueDateOf } from '../../electron/shared/due-dates.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import type { KeySummary } from '../../electron/shared/key-summary-types.ts';
import { makeVault, passphraseBytes, tempDir } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// keys:list-summaries over a real vault file, through the services as the app calls them: the
// grid's fields of every key (vault, token and external, in several states), in keys:list's
// order, paged with a total; pages of one scan until the records change (here or in another
// process on the same file); its progress events; nothing of a key's material or the rest of
// its entry; and bad requests refused with IPC_BAD_REQUEST before anything runs.

const SUMMARY_FIELDS = [
  'algorithm',
  'due',
  'environment',
  'id',
  'labels',
  'location',
  'name',
  'owner',
  'purposes',
  'state',
  'tier',
].sort();

/** The keys the vault is given below. */
const COUNT = 17;
let dir: TempDir;
let services: KeywardenServices;
const events: ServiceEvent[] = [];
let aesKey: Buffer;
/** Every key, as keys:list gives it. */
let full: KeyView[];

/** What the summary of `key` must be: its grid fields, its location cut short, its due date. */
function expectedSummary(key: KeyView): KeySummary {
  const where = key.location;
  return {
    id: key.id,
    name: key.name,
    algorithm: key.algorithm,
    owner: key.owner,
    state: key.state,
    tier: key.tier,
    purposes: key.purposes,
    environment: key.environment,
    labels: key.labels,
    location:
      where.kind === 'token' ? { kind: 'token', serial: where.serial } : { kind: where.kind },
    due: dueDateOf(key.state, key.cryptoPeriod),
  };
}

const progress = () =>
  events.filter((event) => event.name === 'keys:list-progress').map((event) => event.payload);

beforeAll(async () => {
  dir = tempDir('keywarden-key-summaries-');
  const path = dir.file('vault.kw');
  await makeVault(path);
  services = new KeywardenServices({
    deps: realDeps(),
    actor: 'Alice',
    onEvent: (event) => events.push(event),
  });
  await services.invoke('vault:unlock', {
    path,
    factor: { kind: 'passphrase', passphrase: passphraseBytes() },
  });
  await services.invoke('people:add', { name: 'Alice', roles: ['officer'] });
  await services.invoke('people:add', { name: 'Bob', roles: ['engineer'] });
  const generate = (name: string, algorithm: 'ed25519' | 'aes256', extra = {}) =>
    services.invoke('keys:generate', {
      name,
      algorithm,
      purposes: algorithm === 'aes256' ? ['encrypt', 'decrypt'] : ['sign', 'verify'],
      owner: 'Alice',
      ...extra,
    });
  for (let i = 0; i < 9; i += 1) {
    await generate(`service-${i} data`, 'aes256', {
      owner: i % 2 ? 'Bob' : 'Alice',
      environment: i % 3 ? 'production' : 'staging',
      labels: [`batch-${i % 2}`],
      tier: 3 + (i % 2),
    });
  }
  // Two keys of the same name: the order is by name, then id.
  await generate('twin', 'ed25519');
  await generate('twin', 'ed25519');
  const retired = await generate('retired signer', 'ed25519');
  await services.invoke('keys:transition', { id: retired.id, to: 'deactivated', reason: 'gone' });
  const pending = await generate('pending signer', 'ed25519', { preActivation: true });
  expect(pending.state).toBe('pre-activation');
  const exposed = await generate('exposed signer', 'ed25519');
  await services.invoke('keys:transition', {
    id: exposed.id,
    to: 'compromised',
    reason: 'seen in a log',
  });
  await services.invoke('keys:destroy', {
    id: exposed.id,
    authorisedBy: 'Alice',
    witness: 'Bob',
  });
  // A secret key whose bytes the test knows, to look for them in the reply.
  aesKey = randomBytes(32);
  const jwk = JSON.stringify({ kty: 'oct', alg: 'A256GCM', k: aesKey.toString('base64url') });
  await services.invoke('keys:import', {
    file: Buffer.from(jwk),
    name: 'imported aes',
    purposes: ['encrypt'],
    owner: 'Bob',
    notes: 'notes stay with the key screen',
  });
  await services.invoke('keys:register', {
    name: 'hsm root',
    algorithm: 'p384',
    location: { kind: 'token', serial: '0123456789abcdef', ckaId: 'aa01' },
    purposes: ['sign', 'verify'],
    owner: 'Bob',
  });
  await services.invoke('keys:register', {
    name: 'cloud kms key',
    algorithm: 'aes256',
    location: { kind: 'external', reference: 'arn:aws:kms:eu-west-1:1:key/abc' },
    purposes: ['encrypt', 'decrypt'],
    owner: 'Alice',
  });
  full = await services.invoke('keys:list', {});
}, 60_000);

afterAll(() => {
  services?.shutdown();
  dir?.cleanup();
});

describe('keys:list-summaries', () => {
  it("gives every key's grid fields and due date, in keys:list's order, with the total", async () => {
    expect(full).toHaveLength(COUNT);
    const states = new Set(full.map((key) => key.state));
    expect([...states].sort()).toEqual(
      ['active', 'deactivated', 'destroyed-compromised', 'pre-activation'].sort(),
    );
    const page = await services.invoke('keys:list-summaries', {});
    expect(page.total).toBe(COUNT);
    expect(page.keys).toEqual(full.map(expectedSummary));
    for (const key of page.keys) expect(Object.keys(key).sort(), key.name).toEqual(SUMMARY_FIELDS);
    const byName = (name: string) => page.keys.find((key) => key.name === name);
    expect(byName('hsm root')?.location).toEqual({ kind: 'token', serial: '0123456789abcdef' });
    expect(byName('cloud kms key')?.location).toEqual({ kind: 'external' });
    // A deactivated key falls due at its recipient-usage end, a destroyed one never.
    const retired = full.find((key) => key.name === 'retired signer');
    expect(byName('retired signer')?.due).toBe(retired?.cryptoPeriod.recipientUsageEnd);
    expect(byName('exposed signer')?.due).toBeNull();
    const active = full.find((key) => key.name === 'twin');
    expect(byName('twin')?.due).toBe(active?.cryptoPeriod.originatorUsageEnd);
  });

  it('pages by offset and limit, the total always the whole count', async () => {
    const pages: KeySummary[] = [];
    const scans = new Set<string>();
    for (let offset = 0; offset < COUNT; offset += 5) {
      const page = await services.invoke('keys:list-summaries', { offset, limit: 5 });
      expect(page.total).toBe(COUNT);
      expect(page.keys.length).toBe(Math.min(5, COUNT - offset));
      pages.push(...page.keys);
      scans.add(page.scan);
    }
    expect(pages.map((key) => key.id)).toEqual(full.map((key) => key.id));
    // The vault did not change between the calls: every page came from one scan.
    expect(scans.size).toBe(1);
    const past = await services.invoke('keys:list-summaries', { offset: COUNT, limit: 5 });
    expect(past).toEqual({ keys: [], total: COUNT, scan: [...scans][0] });
    const last = await services.invoke('keys:list-summaries', { offset: COUNT - 1 });
    expect(last.keys.map((key) => key.id)).toEqual([full[COUNT - 1]?.id]);
  });

  it('reports its scan from 0 to every entry, never backwards', async () => {
    // A change to any record (here a person) means the next call reads the entries again.
    await services.invoke('people:add', { name: 'Carol', roles: ['witness'] });
    events.length = 0;
    await services.invoke('keys:list-summaries', { limit: 1 });
    const steps = progress();
    expect(steps[0]).toEqual({ done: 0, total: COUNT });
    expect(steps.at(-1)).toEqual({ done: COUNT, total: COUNT });
    for (let i = 1; i < steps.length; i += 1) {
      expect(steps[i]!.total).toBe(COUNT);
      expect(steps[i]!.done).toBeGreaterThanOrEqual(steps[i - 1]!.done);
    }
    // Nothing else was pushed: listing is not an event of its own.
    expect(events.every((event) => event.name === 'keys:list-progress')).toBe(true);
    // Unchanged since, the next page comes from that scan: nothing is read, nothing reported.
    events.length = 0;
    await services.invoke('keys:list-summaries', { offset: 1, limit: 1 });
    expect(events).toEqual([]);
  });

  it("carries none of a key's material, public key, notes or history", async () => {
    const text = JSON.stringify(await services.invoke('keys:list-summaries', {}));
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      expect(text).not.toContain(aesKey.toString(encoding));
    }
    const withPublicKey = full.filter((key) => key.publicKey !== null);
    expect(withPublicKey.length).toBeGreaterThan(0);
    for (const key of withPublicKey) expect(text).not.toContain(key.publicKey);
    expect(text).not.toContain('notes stay with the key screen');
    expect(text).not.toContain('seen in a log');
    expect(text).not.toContain('arn:aws:kms');
  });

  it.each([
    ['a negative offset', { offset: -1 }],
    ['a fractional offset', { offset: 1.5 }],
    ['a zero limit', { limit: 0 }],
    ['a limit past 100,000', { limit: 100_001 }],
    ['a string limit', { limit: '5' }],
    ['a filter it does not take', { state: 'active' }],
    ['an unknown field', { extra: true }],
    ['not an object', 'all'],
    ['null', null],
  ])('refuses %s with IPC_BAD_REQUEST, and nothing runs', async (_, request) => {
    const auditBefore = await services.invoke('audit:list', {});
    events.length = 0;
    await expect(
      services.invoke('keys:list-summaries', request as { offset?: number }),
    ).rejects.toMatchObject({ code: 'IPC_BAD_REQUEST' });
    expect(events).toEqual([]);
    expect(await services.invoke('audit:list', {})).toEqual(auditBefore);
    expect(await services.invoke('keys:list', {})).toEqual(full);
  });

  it('starts a new scan when a key changes, here or in another process on the file', async () => {
    const before = await services.invoke('keys:list-summaries', { limit: 1 });
    const twin = full.find((key) => key.name === 'twin');
    await services.invoke('keys:update', { id: twin!.id, name: 'a twin renamed', reason: 'test' });
    const renamed = await services.invoke('keys:list-summaries', { limit: 1 });
    expect(renamed.scan).not.toBe(before.scan);
    expect(renamed.keys[0]).toMatchObject({ id: twin!.id, name: 'a twin renamed' });

    // The CLI, say, adds a key to the same file while the app's pages are being read.
    const other = new KeywardenServices({ deps: realDeps(), actor: 'Bob' });
    try {
      await other.invoke('vault:unlock', {
        path: dir.file('vault.kw'),
        factor: { kind: 'passphrase', passphrase: passphraseBytes() },
      });
      await other.invoke('keys:generate', {
        name: 'added elsewhere',
        algorithm: 'ed25519',
        purposes: ['sign'],
        owner: 'Bob',
      });
    } finally {
      other.shutdown();
    }
    events.length = 0;
    const after = await services.invoke('keys:list-summaries', { offset: 1, limit: 1 });
    expect(after.scan).not.toBe(renamed.scan);
    expect(after.total).toBe(COUNT + 1);
    expect(progress().at(-1)).toEqual({ done: COUNT + 1, total: COUNT + 1 });
    const all = await services.invoke('keys:list-summaries', {});
    expect(all.scan).toBe(after.scan);
    expect(all.keys.map((key) => key.name)).toContain('added elsewhere');
  });

  it('answers VAULT_LOCKED once the vault is locked', async () => {
    await services.invoke('vault:lock', {});
    events.length = 0;
    await expect(services.invoke('keys:list-summaries', {})).rejects.toMatchObject({
      code: 'VAULT_LOCKED',
    });
    expect(progress()).toEqual([]);
  });
});
