import { Outcome } from '../../electron/core/audit/audit-log.ts';
import { zeroize } from '../../electron/core/crypto/bytes.ts';
import {
  buildEntry,
  checkEntry,
  newKeyId,
  storeEntry,
} from '../../electron/core/inventory/key-creation.ts';
import type { KeyEntryRequest } from '../../electron/core/inventory/key-creation.ts';
import { KEYS } from '../../electron/core/inventory/key-inventory.ts';
import { generateSoftwareKey } from '../../electron/core/inventory/software-keys.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type {
  GeneratedAlgorithm,
  KeyState,
  KeyView,
  Purpose,
} from '../../electron/shared/inventory-types.ts';
import type { PlaintextInventory } from './inventory-baselines.ts';

// The benchmark's inventory and how it is entered: a seeded mix of algorithms, uses, owners,
// custodians, tiers and lifecycle states, entered through the real entry path (checkEntry,
// buildEntry, storeEntry in audited transactions of BATCH keys, material from
// generateSoftwareKey) and copied into the plaintext baseline batch by batch. The seeded
// generator makes every run enter the same kinds of keys; the key material itself comes from
// the CSPRNG.

/** Keys entered in one audited transaction. */
export const BATCH = 1_000;
const PROGRESS_EVERY = 10_000;
/** Keys activated over this many days before now, so due-within queries find a real subset. */
const SPREAD_DAYS = 3 * 365;
/** One key in this many is RSA-3072: generation takes ~0.1-1 s each, so only a handful. */
const RSA_EVERY = 10_000;
const DAY_MS = 86_400_000;
const SEED = 0x6b657973;

/** The people registry of the benchmark's team: name and roles. */
export const PEOPLE: Array<[name: string, roles: string[]]> = [
  ['Olivia Park', ['officer']],
  ['Omar Haddad', ['officer']],
  ['Ines Duarte', ['officer', 'custodian']],
  ['Carmen Ruiz', ['custodian']],
  ['Chen Wei', ['custodian']],
  ['Kofi Mensah', ['custodian', 'witness']],
  ['Lena Vogel', ['custodian']],
  ['Ravi Iyer', ['custodian', 'engineer']],
  ['Ada Novak', ['engineer']],
  ['Bruno Costa', ['engineer']],
  ['Dana Levi', ['engineer']],
  ['Emil Berg', ['engineer']],
  ['Farah Khan', ['engineer']],
  ['Goran Petrov', ['engineer']],
  ['Hana Sato', ['engineer']],
  ['Ivan Horvat', ['engineer']],
  ['Jonas Weber', ['engineer']],
  ['Keiko Mori', ['engineer']],
  ['Luis Ortega', ['engineer', 'witness']],
  ['Alma Reyes', ['auditor']],
];
/** The officer who creates the vault, enters every key and runs the queries. */
export const OFFICER = 'Olivia Park';
const OWNERS = PEOPLE.filter(([, roles]) => !roles.includes('auditor')).map(([name]) => name);
const CUSTODIANS = PEOPLE.filter(([, roles]) => roles.includes('custodian')).map(([name]) => name);
/** The services keys are named after, in both benchmark inventories. */
export const SERVICES = [
  'auth-gateway',
  'backup',
  'billing',
  'ci-runner',
  'crm',
  'data-lake',
  'hr-portal',
  'ingest',
  'kafka',
  'ledger',
  'mobile-backend',
  'partner-sftp',
  'payments-api',
  'reports',
  'search',
  'vpn',
];
/** Algorithm, its share, and its uses with their shares (and the word for the key's name). */
const MIX: Array<[GeneratedAlgorithm, number, Array<[Purpose[], number, string]>]> = [
  [
    'ed25519',
    0.35,
    [
      [['sign', 'verify'], 0.7, 'signing'],
      [['ssh-auth'], 0.3, 'ssh'],
    ],
  ],
  [
    'p256',
    0.25,
    [
      [['sign', 'verify'], 0.6, 'signing'],
      [['agree', 'derive'], 0.4, 'ecdh'],
    ],
  ],
  [
    'aes256',
    0.25,
    [
      [['encrypt', 'decrypt'], 0.75, 'data'],
      [['wrap', 'unwrap'], 0.25, 'kek'],
    ],
  ],
  ['hmac-sha256', 0.15, [[['mac', 'verify'], 1, 'mac']]],
];

export type Random = () => number;

/** mulberry32: a small seeded generator for the benchmark's mix. Never for key material. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One of `items`, drawn with `random`. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** One of `items`, each [value, share, ...] drawn with its share. */
function weighted<Item extends readonly [unknown, number, ...unknown[]]>(
  random: Random,
  items: readonly Item[],
): Item {
  let roll = random();
  for (const item of items) {
    roll -= item[1];
    if (roll < 0) return item;
  }
  const last = items.at(-1);
  if (!last) throw new Error('pick from an empty list');
  return last;
}

interface KeySpec {
  algorithm: GeneratedAlgorithm;
  request: KeyEntryRequest;
  activatedAt: Date;
  /** Rolls that settle the key's state once its crypto-period is known. */
  stateRoll: number;
  whenRoll: number;
}

function planKey(i: number, random: Random, now: Date): KeySpec {
  const [mixAlgorithm, , uses] = weighted(random, MIX);
  const algorithm: GeneratedAlgorithm = i % RSA_EVERY === RSA_EVERY - 1 ? 'rsa3072' : mixAlgorithm;
  const [purposes, , word] =
    algorithm === 'rsa3072'
      ? [['sign', 'verify'] as Purpose[], 1, 'signing']
      : weighted(random, uses);
  // A skewed share per owner, as in a real team: a few people own most keys.
  const owner = OWNERS[Math.floor(random() ** 1.6 * OWNERS.length)] ?? OFFICER;
  const tier = weighted(random, [
    [2, 0.15],
    [3, 0.6],
    [4, 0.25],
  ] as const)[0];
  const others = CUSTODIANS.filter((name) => name !== owner);
  const custodians =
    tier === 2
      ? [...new Set([pick(random, others), ...(random() < 0.4 ? [pick(random, others)] : [])])]
      : tier === 3 && random() < 0.3
        ? [pick(random, others)]
        : [];
  const service = pick(random, SERVICES);
  return {
    algorithm,
    request: {
      name: `${service} ${word} ${String(i).padStart(6, '0')}`,
      purposes,
      owner,
      custodians,
      tier,
      environment: weighted(random, [
        ['production', 0.7],
        ['staging', 0.2],
        ['development', 0.1],
      ] as const)[0],
      classification: tier === 2 ? 'secret' : tier === 4 ? 'internal' : 'confidential',
      labels: [`service:${service}`, ...(random() < 0.1 ? ['pci'] : [])],
    },
    activatedAt: new Date(now.getTime() - (1 + random() * (SPREAD_DAYS - 1)) * DAY_MS),
    stateRoll: random(),
    whenRoll: random(),
  };
}

/**
 * The key's lifecycle up to now: most keys past their originator period were rotated out
 * (deactivated; a signing key's public half stays published 90 days); the rest are overdue
 * and still active. Of the others most are active, a few suspended, retired or compromised.
 */
function settle(key: KeyView, spec: KeySpec, now: Date): KeyView {
  const activated = spec.activatedAt.getTime();
  const end = Date.parse(key.cryptoPeriod.originatorUsageEnd ?? key.cryptoPeriod.recipientUsageEnd);
  const roll = spec.stateRoll;
  const [to, reason]: [KeyState | null, string] =
    end <= now.getTime()
      ? roll < 0.85
        ? ['deactivated', 'rotated: successor in service']
        : [null, '']
      : roll < 0.93
        ? [null, '']
        : roll < 0.96
          ? ['suspended', 'suspended pending review']
          : roll < 0.99
            ? ['deactivated', 'service retired']
            : ['compromised', 'reported exposed in a build log'];
  if (to === null) return key;
  const until = Math.min(end, now.getTime());
  const at = new Date(activated + spec.whenRoll * (until - activated));
  const signing =
    key.publicKey !== null && key.purposes.some((p) => p === 'sign' || p === 'ssh-auth');
  return {
    ...key,
    state: to,
    publishedUntil:
      to === 'deactivated' && signing ? new Date(at.getTime() + 90 * DAY_MS).toISOString() : null,
    history: [...key.history, { from: 'active', to, at: at.toISOString(), by: OFFICER, reason }],
  };
}

/**
 * Enters `count` keys of the seeded mix into `vault` as OFFICER, BATCH keys an audited
 * transaction, and the same entries into `plaintext`; returns where the time went and what
 * was entered. Throws what the entry path throws: BAD_REQUEST, PERSON_NOT_FOUND,
 * SEPARATION_OF_DUTIES, POLICY_VIOLATION, AUDIT_WRITE_FAILED, VAULT_LOCKED.
 */
export async function loadInventory(
  vault: UnlockedVault,
  plaintext: PlaintextInventory,
  count: number,
  now: Date,
  log: (line: string) => void,
) {
  const random = seededRandom(SEED);
  const mix = {
    algorithms: {} as Record<string, number>,
    states: {} as Record<string, number>,
    tiers: {} as Record<string, number>,
  };
  const spent = { generate: 0, write: 0, checkAndBuild: 0, sealAndInsert: 0, plaintextInsert: 0 };
  const started = performance.now();
  for (let start = 0; start < count; start += BATCH) {
    const specs: KeySpec[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i += 1)
      specs.push(planKey(i, random, now));
    // A whole batch at once: key pairs are generated on libuv's threads, in parallel.
    const generateStarted = performance.now();
    const generated = await Promise.all(
      specs.map(async (spec) => ({ spec, material: await generateSoftwareKey(spec.algorithm) })),
    );
    const writeStarted = performance.now();
    spent.generate += writeStarted - generateStarted;
    let entries: KeyView[];
    try {
      const event = {
        actor: OFFICER,
        action: 'key.generate-batch',
        target: KEYS,
        outcome: Outcome.SUCCESS,
        detail: { count: specs.length },
      };
      entries = vault.apply(event, (records) =>
        generated.map(({ spec, material }) => {
          const checking = performance.now();
          const checked = checkEntry(records, OFFICER, spec.request, spec.algorithm, {
            kind: 'vault',
          });
          const facts = {
            id: newKeyId(),
            algorithm: spec.algorithm,
            location: { kind: 'vault' } as const,
            publicKey: material.publicKey,
            publicOnly: false,
            wrappedBy: null,
            origin: 'generated in the vault',
          };
          const key = settle(
            buildEntry(records, OFFICER, spec.request, checked, facts, spec.activatedAt),
            spec,
            now,
          );
          const sealing = performance.now();
          storeEntry(records, key, material.secret);
          spent.checkAndBuild += sealing - checking;
          spent.sealAndInsert += performance.now() - sealing;
          return key;
        }),
      );
    } finally {
      // The private and secret keys exist in plain only until they are sealed in their records.
      zeroize(...generated.map(({ material }) => material.secret));
    }
    spent.write += performance.now() - writeStarted;
    const copyStarted = performance.now();
    plaintext.insert(entries);
    spent.plaintextInsert += performance.now() - copyStarted;
    for (const key of entries) {
      mix.algorithms[key.algorithm] = (mix.algorithms[key.algorithm] ?? 0) + 1;
      mix.states[key.state] = (mix.states[key.state] ?? 0) + 1;
      mix.tiers[key.tier] = (mix.tiers[key.tier] ?? 0) + 1;
    }
    const done = Math.min(count, start + BATCH);
    if (done % PROGRESS_EVERY === 0 || done === count) {
      log(`  entered ${done} keys (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  return { totalMs: performance.now() - started, spent, mix };
}
