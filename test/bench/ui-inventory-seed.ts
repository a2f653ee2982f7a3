import { randomBytes } from 'node:crypto';
import { Outcome } from '../../electron/core/audit/audit-log.ts';
import { zeroize } from '../../electron/core/crypto/bytes.ts';
import { computeCryptoPeriod, policyRowFor } from '../../electron/core/inventory/crypto-periods.ts';
import {
  buildEntry,
  checkEntry,
  newKeyId,
  storeEntry,
} from '../../electron/core/inventory/key-creation.ts';
import { KEYS, vaultPolicy } from '../../electron/core/inventory/key-inventory.ts';
import { publicKeyFingerprint } from '../../electron/core/inventory/public-key-formats.ts';
import { generateSoftwareKey } from '../../electron/core/inventory/software-keys.ts';
import type { GeneratedKey } from '../../electron/core/inventory/software-keys.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type {
  GeneratedAlgorithm,
  KeyLocation,
  KeyState,
  KeyView,
  Purpose,
  Tier,
} from '../../electron/shared/inventory-types.ts';
import { OFFICER, PEOPLE, pick, seededRandom, SERVICES } from './inventory-load.ts';

// A 100,000-key inventory for the UI benchmark, entered quickly: what the table shows is
// metadata, so the slow parts of the real entry path (a registry check and a policy parse per
// key, key generation per key) are done once per kind of key instead. Every kind (algorithm,
// purposes, owner, custodians, tier) passes checkEntry and buildEntry once; each key is that
// entry with its own id, name, labels, environment, location, activation date, crypto-period
// and lifecycle state, sealed and inserted by storeEntry in audited transactions of BATCH.
// Key pairs come from a small pool per algorithm (the same material under several entries:
// acceptable in a benchmark vault that is deleted afterwards, never elsewhere); AES and HMAC
// keys get fresh random bytes. A quarter of the keys are registered on one of three token
// serials (public key only) and a few at an external reference, so every location shows.

const BATCH = 5_000;
const POOL = 32;
const SPREAD_DAYS = 3 * 365;
const DAY_MS = 86_400_000;
const SERIALS = ['7a3f09c2d81e4b55', '0c91e27f4a6b3d18', 'e4d2a9b07c35f861'];
const KINDS: Array<[GeneratedAlgorithm, Purpose[], string]> = [
  ['ed25519', ['sign', 'verify'], 'signing'],
  ['ed25519', ['ssh-auth'], 'ssh'],
  ['p256', ['sign', 'verify'], 'signing'],
  ['p256', ['agree', 'derive'], 'ecdh'],
  ['aes256', ['encrypt', 'decrypt'], 'data'],
  ['aes256', ['wrap', 'unwrap'], 'kek'],
  ['hmac-sha256', ['mac', 'verify'], 'mac'],
];
const ENVIRONMENTS = ['production', 'production', 'production', 'staging', 'development'];

/** The key's state now, from its crypto-period and a roll (as inventory-load.ts settles them). */
function stateOf(end: number, now: number, roll: number): [KeyState, string] | null {
  if (end <= now) return roll < 0.85 ? ['deactivated', 'rotated: successor in service'] : null;
  if (roll < 0.93) return null;
  if (roll < 0.96) return ['suspended', 'suspended pending review'];
  if (roll < 0.99) return ['deactivated', 'service retired'];
  return ['compromised', 'reported exposed in a build log'];
}

/**
 * Enters `count` keys into `vault` (whose registry holds PEOPLE) as OFFICER. Returns the
 * seconds spent and the mix entered. Throws what checkEntry, buildEntry and storeEntry throw.
 */
export async function seedUiInventory(
  vault: UnlockedVault,
  count: number,
  now: Date,
  log: (line: string) => void,
): Promise<{ ms: number; states: Record<string, number>; locations: Record<string, number> }> {
  const started = performance.now();
  const random = seededRandom(0x75692d6b);
  const pools = new Map<GeneratedAlgorithm, GeneratedKey[]>();
  for (const algorithm of ['ed25519', 'p256'] as const) {
    pools.set(
      algorithm,
      await Promise.all(Array.from({ length: POOL }, () => generateSoftwareKey(algorithm))),
    );
  }
  const owners = PEOPLE.filter(([, roles]) => !roles.includes('auditor')).map(([name]) => name);
  const custodians = PEOPLE.filter(([, roles]) => roles.includes('custodian')).map(([n]) => n);
  const templates = new Map<string, KeyView>();
  const policy = vault.query((records) => vaultPolicy(records));
  const states: Record<string, number> = {};
  const locations: Record<string, number> = {};
  const nowMs = now.getTime();
  try {
    for (let start = 0; start < count; start += BATCH) {
      const size = Math.min(BATCH, count - start);
      const event = {
        actor: OFFICER,
        action: 'key.generate-batch',
        target: KEYS,
        outcome: Outcome.SUCCESS,
        detail: { count: size },
      };
      vault.apply(event, (records) => {
        for (let i = start; i < start + size; i += 1) {
          const [algorithm, purposes, word] =
            KINDS[Math.floor(random() * KINDS.length)] ?? KINDS[0]!;
          const owner = owners[Math.floor(random() ** 1.6 * owners.length)] ?? OFFICER;
          const tier = (random() < 0.15 ? 2 : random() < 0.7 ? 3 : 4) as Tier;
          const others = custodians.filter((name) => name !== owner);
          const custodian = tier === 2 ? [others[Math.floor(random() * others.length)] ?? ''] : [];
          // One registry check and one entry build per kind of key, as the real path does per key.
          const kind = [algorithm, purposes.join('+'), owner, tier, custodian.join()].join('|');
          let template = templates.get(kind);
          if (!template) {
            const request = { name: kind, purposes, owner, custodians: custodian, tier };
            const checked = checkEntry(records, OFFICER, request, algorithm, { kind: 'vault' });
            template = buildEntry(
              records,
              OFFICER,
              request,
              checked,
              {
                id: newKeyId(),
                algorithm,
                location: { kind: 'vault' },
                publicKey: null,
                publicOnly: false,
                wrappedBy: null,
                origin: 'generated in the vault',
              },
              now,
            );
            templates.set(kind, template);
          }
          const pair = pools.get(algorithm)?.[i % POOL] ?? null;
          const roll = random();
          const location: KeyLocation =
            pair && roll < 0.25
              ? {
                  kind: 'token',
                  serial: SERIALS[i % SERIALS.length] ?? '',
                  ckaId: i.toString(16).padStart(8, '0'),
                }
              : roll > 0.97
                ? { kind: 'external', reference: `arn:aws:kms:eu-west-1:1:key/${i}` }
                : { kind: 'vault' };
          const activated = new Date(nowMs - (1 + random() * (SPREAD_DAYS - 1)) * DAY_MS);
          const at = activated.toISOString();
          const period = computeCryptoPeriod(policyRowFor(policy, algorithm, purposes), activated);
          const service = pick(random, SERVICES);
          const id = newKeyId();
          const end = Date.parse(period.originatorUsageEnd ?? period.recipientUsageEnd);
          const settled = stateOf(end, nowMs, random());
          const history = [...template.history.map((step) => ({ ...step, at }))];
          if (settled) {
            const when = new Date(Math.min(end, nowMs) - random() * 30 * DAY_MS).toISOString();
            history.push({
              from: 'active',
              to: settled[0],
              at: when,
              by: OFFICER,
              reason: settled[1],
            });
          }
          const key: KeyView = {
            ...template,
            id,
            lineage: id,
            name: `${service} ${word} ${String(i).padStart(6, '0')}`,
            environment: ENVIRONMENTS[i % ENVIRONMENTS.length] ?? 'production',
            labels: [`service:${service}`, ...(random() < 0.1 ? ['pci'] : [])],
            location,
            publicKey: pair?.publicKey?.toString('base64') ?? null,
            fingerprint: pair?.publicKey ? publicKeyFingerprint(algorithm, pair.publicKey) : null,
            state: settled?.[0] ?? 'active',
            cryptoPeriod: period,
            createdAt: at,
            activatedAt: at,
            history,
          };
          // Material is held only for keys in the vault; a fresh secret key, or the pool's pair.
          const secret =
            location.kind !== 'vault' ? null : pair ? Buffer.from(pair.secret) : randomBytes(32);
          try {
            storeEntry(records, key, secret);
          } finally {
            zeroize(secret);
          }
          states[key.state] = (states[key.state] ?? 0) + 1;
          locations[location.kind] = (locations[location.kind] ?? 0) + 1;
        }
      });
      if ((start + size) % 20_000 === 0 || start + size === count) {
        log(
          `  entered ${start + size} keys (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
    }
  } finally {
    for (const pool of pools.values()) zeroize(...pool.map((pair) => pair.secret));
  }
  return { ms: performance.now() - started, states, locations };
}
