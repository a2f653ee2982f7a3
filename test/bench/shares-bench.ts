import { randomFillSync, randomInt } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import {
  combineShares,
  decodeShare,
  encodeShare,
  splitSecret,
} from '../../electron/core/ceremony/shares.ts';
import { median, round } from './stats.ts';

// Section (f): Shamir split and combine of a 32-byte secret per second, at 3-of-5 and 10-of-20,
// through Keywarden's share objects (electron/core/ceremony/shares.ts) beside the raw
// `shamir-secret-sharing` library it is built on, in the same run:
//
//  - "Keywarden split": splitSecret (check value, fingerprint, ceremony id, one share object
//    with its integrity check per custodian) and encodeShare of every share: the texts a
//    ceremony hands out;
//  - "Keywarden combine": decodeShare of `threshold` share texts (parse, field checks,
//    integrity check) and combineShares (ceremony and duplicate checks, the rebuild, and the
//    rebuilt secret's check value and fingerprint compared with the recorded ones);
//  - "raw split" / "raw combine": the library's split / combine on the same 32-byte
//    Uint8Array, or on the same `threshold` shares of its own split: the same arithmetic
//    without share objects, checks, check value or fingerprint.
//
// The secrets are random (node:crypto), POOL of them per scheme, made before timing; each
// combine takes its own random choice of `threshold` of the n shares, the same choice on both
// paths. Every path runs for ROUND_MS per round, in an order rotated per round so machine
// drift hits all alike, after one uncounted warm-up round. The last result of every round is
// checked against its secret outside the timing. The printed share sheet (PDF) is measured
// in section (g), sheets-bench.ts.

const SCHEMES = [
  { threshold: 3, custodians: 5 },
  { threshold: 10, custodians: 20 },
] as const;
const SECRET_BYTES = 32;
const ROUNDS = 7;
const ROUND_MS = 1000;
const WARM_UP_MS = 250;
/** Secrets (and share sets) per scheme, cycled through within a round. */
const POOL = 64;

type SchemeId = `${number}-of-${number}`;
type Operation = 'split' | 'combine';
type Side = 'keywarden' | 'raw';

/** One measured path: an operation on pool entry `i`, how to check its result, how to clear it. */
interface PathSpec<T> {
  once(i: number): Promise<T>;
  verify(result: T, i: number): Promise<void>;
  clear(result: T): void;
}

/** Runs `spec` for `ms` (the last result checked and cleared after); operations per second. */
async function timedRound<T>(spec: PathSpec<T>, ms: number): Promise<number> {
  const started = performance.now();
  const deadline = started + ms;
  let operations = 0;
  let last: { result: T; i: number } | undefined;
  let now: number;
  do {
    const i = operations % POOL;
    const result = await spec.once(i);
    if (last) spec.clear(last.result);
    last = { result, i };
    operations += 1;
    now = performance.now();
  } while (now < deadline);
  try {
    await spec.verify(last.result, last.i);
  } finally {
    spec.clear(last.result);
  }
  return (operations * 1000) / (now - started);
}

/** A path with its result type hidden: run it for `ms`, get operations per second. */
type MeasuredPath = (ms: number) => Promise<number>;
const measured =
  <T>(spec: PathSpec<T>): MeasuredPath =>
  (ms) =>
    timedRound(spec, ms);

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function mustEqual(rebuilt: Uint8Array, secret: Uint8Array, what: string): void {
  const same = equal(rebuilt, secret);
  rebuilt.fill(0);
  if (!same) throw new Error(`${what} does not give back its secret`);
}

/** `k` distinct indices below `n`, chosen with node:crypto, in ascending order. */
function choose(k: number, n: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i += 1) {
    const j = i + randomInt(n - i);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

/** A scheme's pool and its four paths; `dispose` zeroes the secrets and the raw shares it holds. */
async function prepare(threshold: number, n: number) {
  const custodians = Array.from({ length: n }, (_, i) => `custodian-${i + 1}`);
  // Plain Uint8Arrays: the library refuses Buffers, and splitSecret copies into one anyway.
  const secrets = Array.from({ length: POOL }, () => randomFillSync(new Uint8Array(SECRET_BYTES)));
  const picks = secrets.map(() => choose(threshold, n));
  // The share sets the combine paths start from: texts as a custodian's files hold them
  // (strings, which cannot be zeroed; bench secrets only), and the library's own shares.
  const texts: string[][] = [];
  const names: string[][] = [];
  const rawShares: Uint8Array[][] = [];
  for (const [i, secret] of secrets.entries()) {
    const pick = picks[i]!;
    const made = await splitSecret(secret, threshold, custodians);
    texts.push(pick.map((j) => encodeShare(made.shares[j]!)));
    names.push(pick.map((j) => `share-${j + 1}.share`));
    const parts = await split(secret, n, threshold);
    rawShares.push(pick.map((j) => parts[j]!));
    for (const [j, part] of parts.entries()) if (!pick.includes(j)) part.fill(0);
  }
  const secretOf = (i: number) => secrets[i]!;
  const keywardenCombine = async (i: number) =>
    combineShares(
      texts[i]!.map((text, j) => decodeShare(text, names[i]![j]!)),
      names[i]!,
    );

  const paths: Record<Operation, Record<Side, MeasuredPath>> = {
    split: {
      keywarden: measured({
        once: async (i) =>
          (await splitSecret(secretOf(i), threshold, custodians)).shares.map(encodeShare),
        verify: async (shareTexts: string[], i) => {
          const chosen = shareTexts.slice(0, threshold);
          const chosenNames = chosen.map((_, j) => `share-${j + 1}.share`);
          const rebuilt = await combineShares(
            chosen.map((text, j) => decodeShare(text, chosenNames[j]!)),
            chosenNames,
          );
          mustEqual(rebuilt, secretOf(i), 'a Keywarden split');
        },
        clear: () => {}, // strings: left to the collector
      }),
      raw: measured({
        once: (i) => split(secretOf(i), n, threshold),
        verify: async (parts: Uint8Array[], i) =>
          mustEqual(await combine(parts.slice(0, threshold)), secretOf(i), 'a raw split'),
        clear: (parts: Uint8Array[]) => {
          for (const part of parts) part.fill(0);
        },
      }),
    },
    combine: {
      keywarden: measured({
        once: keywardenCombine,
        verify: async (rebuilt: Buffer, i) =>
          mustEqual(Buffer.from(rebuilt), secretOf(i), 'a Keywarden combine'),
        clear: (rebuilt: Buffer) => rebuilt.fill(0),
      }),
      raw: measured({
        once: (i) => combine(rawShares[i]!),
        verify: async (rebuilt: Uint8Array, i) =>
          mustEqual(Uint8Array.from(rebuilt), secretOf(i), 'a raw combine'),
        clear: (rebuilt: Uint8Array) => rebuilt.fill(0),
      }),
    },
  };
  const dispose = () => {
    for (const secret of secrets) secret.fill(0);
    for (const parts of rawShares) for (const part of parts) part.fill(0);
  };
  return { paths, dispose };
}

type Prepared = Awaited<ReturnType<typeof prepare>>;

const rates = (values: number[]) => ({
  medianPerSecond: round(median(values)),
  minPerSecond: round(Math.min(...values)),
  maxPerSecond: round(Math.max(...values)),
  /** 1 / the median rate, in microseconds. */
  medianUsPerOperation: round(1e6 / median(values), 2),
  rounds: values.length,
});

/**
 * Measures split and combine per second of a random 32-byte secret at 3-of-5 and 10-of-20,
 * through Keywarden's shares (with encoding and decoding) and through the raw
 * `shamir-secret-sharing` library, in interleaved rounds. Throws when a result does not give
 * back its secret, and whatever splitSecret / combineShares throw (KeywardenError).
 */
export async function benchShares(log: (line: string) => void) {
  const started = performance.now();
  const prepared: Array<{ id: SchemeId; threshold: number; custodians: number } & Prepared> = [];
  try {
    for (const { threshold, custodians } of SCHEMES) {
      const id: SchemeId = `${threshold}-of-${custodians}`;
      prepared.push({ id, threshold, custodians, ...(await prepare(threshold, custodians)) });
    }
    const entries = prepared.flatMap((scheme) =>
      (['split', 'combine'] as const).flatMap((operation) =>
        (['keywarden', 'raw'] as const).map((side) => ({
          scheme,
          operation,
          side,
          label: `${side} ${operation} ${scheme.id}`,
          perSecond: [] as number[],
        })),
      ),
    );
    // Warm-up, not counted: JIT, the library's tables, the first allocations.
    for (const e of entries) await e.scheme.paths[e.operation][e.side](WARM_UP_MS);
    for (let r = 0; r < ROUNDS; r += 1) {
      const at = r % entries.length;
      for (const e of [...entries.slice(at), ...entries.slice(0, at)]) {
        e.perSecond.push(await e.scheme.paths[e.operation][e.side](ROUND_MS));
      }
      const last = entries.map((e) => `${e.label} ${e.perSecond.at(-1)?.toFixed(0)}`);
      log(`  round ${r + 1}/${ROUNDS} (ops/s): ${last.join(', ')}`);
    }
    const find = (id: SchemeId, operation: Operation, side: Side) =>
      entries.find((e) => e.scheme.id === id && e.operation === operation && e.side === side)!
        .perSecond;
    const compare = (id: SchemeId, operation: Operation) => {
      const keywarden = find(id, operation, 'keywarden');
      const raw = find(id, operation, 'raw');
      return {
        keywarden: rates(keywarden),
        raw: rates(raw),
        /** Keywarden's median rate over the raw library's. */
        ratio: round(median(keywarden) / median(raw), 3),
        /** What Keywarden adds per operation, from the medians, in microseconds. */
        addedUsPerOperation: round(1e6 / median(keywarden) - 1e6 / median(raw), 2),
      };
    };
    const schemes = Object.fromEntries(
      prepared.map(({ id, threshold, custodians }) => [
        id,
        {
          threshold,
          custodians,
          split: compare(id, 'split'),
          combine: compare(id, 'combine'),
        },
      ]),
    );
    return {
      secretBytes: SECRET_BYTES,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      pool: POOL,
      schemes,
      totalMs: round(performance.now() - started),
    };
  } finally {
    for (const scheme of prepared) scheme.dispose();
  }
}

export type SharesBenchResult = Awaited<ReturnType<typeof benchShares>>;

const perSecond = (s: ReturnType<typeof rates>) =>
  `${s.medianPerSecond.toFixed(0)} ops/s (min ${s.minPerSecond.toFixed(0)}, max ${s.maxPerSecond.toFixed(0)}; ${s.medianUsPerOperation} us/op)`;

/** The shares block of the benchmark table. */
export function sharesRows(r: SharesBenchResult): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [id, scheme] of Object.entries(r.schemes)) {
    const { threshold, custodians } = scheme;
    const block = (operation: Operation, what: string, raw: string) => {
      const c = scheme[operation];
      rows.push(
        [
          `(f) ${operation} ${id}: Keywarden, ${what} (median of ${r.rounds} x ${r.roundMs / 1000} s)`,
          perSecond(c.keywarden),
        ],
        [`(f) ${operation} ${id}: raw shamir-secret-sharing ${raw}`, perSecond(c.raw)],
        [
          `(f) ${operation} ${id}: Keywarden / raw`,
          `${c.ratio.toFixed(3)} (Keywarden adds ${c.addedUsPerOperation} us/op)`,
        ],
      );
    };
    block('split', `splitSecret + ${custodians} encodeShare`, `split`);
    block('combine', `${threshold} decodeShare + combineShares`, `combine of ${threshold}`);
  }
  rows.push([`(f) shares benchmark time`, `${(r.totalMs / 1000).toFixed(1)} s`]);
  return rows;
}
