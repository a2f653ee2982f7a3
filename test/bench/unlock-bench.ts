import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createVault } from '../../electron/core/vault/vault.ts';
import { unlockWith } from '../helpers/vault-fixture.ts';
import type { UnlockedVault, VaultDeps } from '../../electron/core/vault/vault.ts';
import type { OfferedFactor } from '../../electron/core/vault/factor-types.ts';
import { libargon2 } from '../../native/kdf/argon2-kdf.ts';
import { median, round, summary } from './stats.ts';
import type { Timing } from './stats.ts';
import {
  BENCH_PASSPHRASE,
  offerPassphrase,
  QUORUM,
  SLOT_KINDS,
  zeroFactors,
} from './unlock-kinds.ts';
import type { FixedKdf, KindContext, SlotKindBench } from './unlock-kinds.ts';
import { reason, startParts } from './unlock-parts.ts';

// Section (e): unlock latency per slot kind on real parts, in one run (the kinds are in
// unlock-kinds.ts, the parts in unlock-parts.ts). Each kind has a vault of its own, its
// passphrase slot kept and the kind's slot added beside it. Each round unlocks every vault once
// and hashes once with raw libargon2 at the passphrase slot's parameters, in an order rotated
// per round so machine drift hits all alike; an uncounted warm-up round comes first and sets
// how many rounds fit the budget. "Unlock" is timed as in (a): openVaultFile plus
// VaultFile.unlock; lock() follows, timed apart. After a token unlock the layer's held
// sessions are logged out, as the app does on lock, so each token unlock logs in afresh. Every
// unlock checks that the slot it opened is the kind's own (the combined slot,
// say, not the passphrase slot beside it). A part that does not start makes its kinds' rows
// "unavailable: why"; the others still run.

const ROUNDS = 9;
const MIN_ROUNDS = 3;
/** The section's time on a 2-core machine: fewer rounds when the warm-up says 9 will not fit. */
const BUDGET_MS = 180_000;
const ACTOR = 'bench';

type Spread = Timing & { p90Ms: number };

/** The p-th quantile of `values`, interpolated linearly between the nearest ranks. */
function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * p;
  const below = sorted[Math.floor(at)] ?? NaN;
  return below + ((sorted[Math.ceil(at)] ?? NaN) - below) * (at - Math.floor(at));
}

const spread = (values: number[]): Spread => ({
  ...summary(values),
  p90Ms: round(quantile(values, 0.9)),
});

async function rawArgon2id(kdf: FixedKdf): Promise<number> {
  const password = Buffer.from(BENCH_PASSPHRASE, 'utf8');
  const started = performance.now();
  const key = await libargon2.derive({
    password,
    salt: randomBytes(16),
    memoryKiB: kdf.memoryMiB * 1024,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    hashLength: 32,
  });
  const elapsed = performance.now() - started;
  key.fill(0);
  password.fill(0);
  return elapsed;
}

/** Opens and unlocks `path` (timed), reads which slot opened it, and locks it (timed apart). */
async function unlockOnce(deps: VaultDeps, path: string, offered: OfferedFactor[]) {
  const started = performance.now();
  const vault = await unlockWith(path, offered, deps);
  const unlockMs = performance.now() - started;
  const opened = vault.openedSlotId;
  const lockStarted = performance.now();
  vault.lock(ACTOR);
  return { unlockMs, lockMs: performance.now() - lockStarted, opened };
}

/** Makes the kind's vault; returns the id of the slot its unlocks must open, and the slot. */
async function prepareVault(deps: VaultDeps, path: string, kind: SlotKindBench, ctx: KindContext) {
  const secret = Buffer.from(BENCH_PASSPHRASE, 'utf8');
  try {
    await createVault(deps, { path, passphrase: secret, kdf: ctx.kdf, actor: ACTOR });
  } finally {
    secret.fill(0);
  }
  const offered = [offerPassphrase()];
  let vault: UnlockedVault;
  try {
    vault = await unlockWith(path, offered, deps);
  } finally {
    zeroFactors(offered);
  }
  try {
    const request = kind.slot(ctx);
    let slotId = vault.header().slots.find((s) => s.kind === 'passphrase')?.slotId ?? 1;
    if (request === 'keychain') slotId = (await vault.addKeychainSlot(ACTOR)).slotId;
    else if (request) {
      try {
        slotId = (await vault.addSlot(ACTOR, request)).slotId;
      } finally {
        zeroFactors(request.factors);
      }
    }
    const shown = vault.header().slots.find((s) => s.slotId === slotId);
    // The token mechanism too: SoftHSM2 decrypts RSA-OAEP with SHA-1 only.
    const row = vault.slotRows().find((r) => r.slot_id === slotId);
    const stored = JSON.parse(row?.params ?? '{}') as { factors?: Array<{ mechanism?: string }> };
    const mechanisms = (stored.factors ?? []).flatMap((f) => (f.mechanism ? [f.mechanism] : []));
    const slot = {
      slotId,
      kind: shown?.kind,
      ...(shown?.factors ? { factors: shown.factors } : {}),
      ...(shown?.threshold ? { threshold: shown.threshold } : {}),
      ...(mechanisms.length ? { mechanisms } : {}),
    };
    return { slotId, slot };
  } finally {
    vault.lock(ACTOR);
  }
}

interface KindState {
  kind: SlotKindBench;
  path: string;
  slotId: number;
  slot?: Record<string, unknown>;
  unlock: number[];
  lock: number[];
  /** Why the kind was not measured (a part missing, its setup or an unlock failed). */
  failure?: { status: 'unavailable' | 'failed'; reason: string };
}

/**
 * Measures, in interleaved rounds, the unlock time of every slot kind on real parts (swtpm,
 * gnome-keyring, SoftHSM2) against a raw Argon2id hash of `kdf`, with vaults made in `dir`.
 * Stops everything it started, also on error. A kind whose part or setup fails is reported
 * unavailable; one whose unlock fails mid-run is reported failed. Throws only what raw
 * libargon2 throws.
 */
export async function benchSlotUnlock(dir: string, kdf: FixedKdf, log: (line: string) => void) {
  const started = performance.now();
  const parts = await startParts(QUORUM.tokens, log);
  try {
    const ctx: KindContext = { kdf, tokens: parts.tokens, rsaKeyId: parts.rsaKeyId };
    const states: KindState[] = [];
    for (const kind of SLOT_KINDS) {
      const state: KindState = {
        kind,
        path: join(dir, `slot-${kind.id}.kwv`),
        slotId: 0,
        unlock: [],
        lock: [],
      };
      states.push(state);
      const part = kind.needs.find((p) => parts.missing[p] !== undefined);
      if (part) {
        state.failure = { status: 'unavailable', reason: `${part}: ${parts.missing[part]}` };
        continue;
      }
      try {
        Object.assign(state, await prepareVault(parts.deps, state.path, kind, ctx));
      } catch (error) {
        state.failure = { status: 'unavailable', reason: `setup failed: ${reason(error)}` };
      }
    }
    /** One unlock of the kind's vault, kept when `roundName` is given; a failure drops the kind. */
    const measure = async (state: KindState, roundName: string | null) => {
      const offered = state.kind.offer(ctx);
      try {
        const run = await unlockOnce(parts.deps, state.path, offered);
        if (run.opened !== state.slotId) {
          const expected = `the ${state.kind.id} slot #${state.slotId}`;
          throw new Error(`the unlock opened slot #${run.opened}, not ${expected}`);
        }
        // As the app does on lock: the next token unlock logs in afresh, as a person's does.
        if (state.kind.needs.includes('tokens')) await parts.layer?.logOutAll();
        if (roundName !== null) {
          state.unlock.push(run.unlockMs);
          state.lock.push(run.lockMs);
        }
      } catch (error) {
        state.failure = { status: 'failed', reason: `${roundName ?? 'warm-up'}: ${reason(error)}` };
      } finally {
        zeroFactors(offered);
      }
    };
    const live = () => states.filter((s) => !s.failure);
    // Warm-up, not counted: addon and binding loads, the first sessions, the KDF's memory.
    const warmUpStarted = performance.now();
    await rawArgon2id(kdf);
    for (const state of live()) await measure(state, null);
    const roundMs = performance.now() - warmUpStarted;
    const left = BUDGET_MS - (performance.now() - started);
    const rounds = Math.max(MIN_ROUNDS, Math.min(ROUNDS, Math.floor(left / roundMs)));
    const raw: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const entries = ['argon2id', ...live().map((s) => s.kind.id)];
      const order = [...entries.slice(r % entries.length), ...entries.slice(0, r % entries.length)];
      for (const id of order) {
        const state = states.find((s) => s.kind.id === id);
        if (state) await measure(state, `round ${r + 1}`);
        else raw.push(await rawArgon2id(kdf));
      }
      const last = live().map((s) => `${s.kind.id} ${s.unlock.at(-1)?.toFixed(0)}`);
      log(`  round ${r + 1}/${rounds}: argon2id ${raw.at(-1)?.toFixed(0)}, ${last.join(', ')} ms`);
    }
    const argon2id = spread(raw);
    const kinds = Object.fromEntries(
      states.map(({ kind, slot, unlock, lock, failure }) => [
        kind.id,
        failure
          ? { label: kind.label, ...failure, ...(slot ? { slot } : {}) }
          : {
              label: kind.label,
              status: 'measured' as const,
              slot,
              unlock: spread(unlock),
              timesArgon2id: round(median(unlock) / median(raw), 2),
              lock: summary(lock),
            },
      ]),
    );
    return {
      kdf: {
        memoryKiB: kdf.memoryMiB * 1024,
        iterations: kdf.iterations,
        parallelism: kdf.parallelism,
      },
      rounds,
      roundsPlanned: ROUNDS,
      budgetMs: BUDGET_MS,
      argon2id,
      kinds,
      totalMs: round(performance.now() - started),
    };
  } finally {
    await parts.stop();
  }
}

export type SlotUnlockResult = Awaited<ReturnType<typeof benchSlotUnlock>>;

const ms = (value: number) => `${value.toFixed(1)} ms`;
const MAX_REASON_CHARS = 110;

/** The slot unlock block of the benchmark table. */
export function slotUnlockRows(r: SlotUnlockResult): Array<[string, string]> {
  const { memoryKiB, iterations, parallelism } = r.kdf;
  const rows: Array<[string, string]> = [
    [
      `(e) raw Argon2id, m=${memoryKiB / 1024} MiB, t=${iterations}, p=${parallelism} (median of ${r.rounds})`,
      `${ms(r.argon2id.medianMs)} (p90 ${ms(r.argon2id.p90Ms)})`,
    ],
  ];
  for (const k of Object.values(r.kinds)) {
    const value =
      k.status === 'measured'
        ? `${ms(k.unlock.medianMs)} (p90 ${ms(k.unlock.p90Ms)}; ${k.timesArgon2id.toFixed(2)} × Argon2id; lock ${ms(k.lock.medianMs)})`
        : `${k.status}: ${k.reason.length > MAX_REASON_CHARS ? `${k.reason.slice(0, MAX_REASON_CHARS)}…` : k.reason}`;
    rows.push([`(e) unlock, ${k.label}`, value]);
  }
  const cut =
    r.rounds < r.roundsPlanned ? `; cut from ${r.roundsPlanned} to fit ${r.budgetMs / 1000} s` : '';
  rows.push([
    `(e) slot unlock benchmark time`,
    `${(r.totalMs / 1000).toFixed(1)} s (${r.rounds} rounds${cut})`,
  ]);
  return rows;
}
