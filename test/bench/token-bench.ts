import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import type * as Pkcs11 from 'pkcs11js';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import type { TokenLayer, TokenRef } from '../../native/pkcs11/pkcs11.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../helpers/softhsm.fixture.ts';
import { median, round } from './stats.ts';

// Signatures per second through the token layer (native/pkcs11: a worker thread holding one
// logged-in session per token, with the key's handle found once; each call still brings the
// PIN, checked against the one the session was opened with) against raw pkcs11js on the same
// SoftHSM2 token and keys, in this process, in the same run:
//
//  - "layer": sequential `tokens.sign` calls, each awaited before the next;
//  - "layer, pipelined": IN_FLIGHT calls outstanding at once; the client sends the calls
//    made in one turn as one message, and the worker answers in batches;
//  - "layer, batch": `tokens.signMany` with BATCH messages per call, awaited in turn: one
//    thread hop and one PIN check per BATCH signatures, as `keywarden keys sign` uses it for
//    several files;
//  - "raw, one session": pkcs11js in this thread with one session logged in and the key
//    found once, C_SignInit + C_Sign per signature: the like-for-like baseline the target
//    (layer / raw >= 0.95) is set against;
//  - "raw, per signature": session, login, key lookup, sign, logout, close per signature:
//    what every call cost before sessions were held, for reference.
//
// SoftHSM2 is one library per process, and the layer's worker re-initialises it on every poll,
// which would break this thread's sessions. So the paths never overlap: each runs with the
// module to itself (the layer is closed, which finalises it, before the raw paths initialise
// it) in rounds interleaved in a rotating order, so machine drift hits all three alike. The
// layer polls every 60 s here, i.e. never within a round. ECDSA hashes with SHA-256 in
// node:crypto and signs with CKM_ECDSA on every path, as the layer does; RSA uses
// CKM_SHA256_RSA_PKCS (PKCS#1 v1.5). The last signature of every round is verified with
// node:crypto.
//
// What the layer does per call beyond the raw one-session path is its own cost, counted
// against it: the worker round trip, copying the PIN and data across, finding the token and
// the held session, the PIN's HMAC, and DER-encoding ECDSA signatures.

export const TOKEN_RATIO_TARGET = 0.95;
const ROUNDS = 9;
const ROUND_MS = 2000;
/** Untimed signatures at the start of each round: JIT, caches, the first session. */
const WARM_UP = 20;
const POLL_MS = 60_000;
const DATA_BYTES = 256;

const ALGORITHMS = ['p256', 'rsa2048'] as const;
type Algorithm = (typeof ALGORITHMS)[number];
const PATHS = ['layer', 'layerPipelined', 'layerBatch', 'rawOneSession', 'rawPerCall'] as const;
/** Messages per signMany call on the batch path. */
const BATCH = 256;
/** Calls outstanding at once on the pipelined path. */
const IN_FLIGHT = 4;
type Path = (typeof PATHS)[number];
const c = pkcs11js;

interface BenchKey {
  algorithm: Algorithm;
  /** CKA_ID, hex. */
  id: string;
  publicKey: KeyObject;
}

type Signer = () => Buffer | Promise<Buffer>;

/** Signs for ROUND_MS after a warm-up; the rate, the count and the last signature. */
async function timedRound(signOnce: Signer) {
  for (let i = 0; i < WARM_UP; i += 1) await signOnce();
  const started = performance.now();
  const deadline = started + ROUND_MS;
  let signatures = 0;
  let last: Buffer;
  let now: number;
  do {
    last = await signOnce();
    signatures += 1;
    now = performance.now();
  } while (now < deadline);
  return { perSecond: (signatures * 1000) / (now - started), signatures, last };
}

/** As timedRound, with `inFlight` signatures outstanding at once. */
async function timedRoundPipelined(signOnce: () => Promise<Buffer>, inFlight: number) {
  for (let i = 0; i < WARM_UP; i += 1) await signOnce();
  const started = performance.now();
  const deadline = started + ROUND_MS;
  let signatures = 0;
  let last: Buffer = Buffer.alloc(0);
  let finished = started;
  const lane = async () => {
    while (performance.now() < deadline) {
      last = await signOnce();
      signatures += 1;
      finished = performance.now();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { perSecond: (signatures * 1000) / (finished - started), signatures, last };
}

function findKey(lib: Pkcs11.PKCS11, session: Pkcs11.Handle, id: string): Pkcs11.Handle {
  lib.C_FindObjectsInit(session, [
    { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
    { type: c.CKA_ID, value: Buffer.from(id, 'hex') },
  ]);
  try {
    const [key] = lib.C_FindObjects(session, 1);
    if (key === undefined) throw new Error(`no private key with CKA_ID ${id} on the token`);
    return key;
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** One signature over `data`, as the layer makes it (ECDSA signatures stay r || s here). */
function rawSign(
  lib: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  key: Pkcs11.Handle,
  algorithm: Algorithm,
  data: Buffer,
): Buffer {
  const out = Buffer.alloc(1024);
  if (algorithm === 'p256') {
    lib.C_SignInit(session, { mechanism: c.CKM_ECDSA }, key);
    return Buffer.from(lib.C_Sign(session, createHash('sha256').update(data).digest(), out));
  }
  lib.C_SignInit(session, { mechanism: c.CKM_SHA256_RSA_PKCS }, key);
  return Buffer.from(lib.C_Sign(session, data, out));
}

/** Opens a session on `slot` and logs in; the caller logs out and closes. */
function openSession(lib: Pkcs11.PKCS11, slot: Pkcs11.Handle, pin: string): Pkcs11.Handle {
  const session = lib.C_OpenSession(slot, c.CKF_SERIAL_SESSION | c.CKF_RW_SESSION);
  try {
    lib.C_Login(session, c.CKU_USER, pin);
  } catch (error) {
    lib.C_CloseSession(session);
    throw error;
  }
  return session;
}

function closeSession(lib: Pkcs11.PKCS11, session: Pkcs11.Handle): void {
  try {
    lib.C_Logout(session);
  } finally {
    lib.C_CloseSession(session);
  }
}

/** Initialises the module in this thread and finds the token's slot; C_Finalize afterwards. */
function initialiseRaw(lib: Pkcs11.PKCS11, serial: string): Pkcs11.Handle {
  try {
    lib.C_Initialize();
  } catch (error) {
    // Harmless here: the module is one per process, and the layer has closed it before.
    if ((error as { code?: unknown }).code !== c.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw error;
  }
  const slot = lib
    .C_GetSlotList(true)
    .find((s) => lib.C_GetTokenInfo(s).serialNumber.trim() === serial);
  if (slot === undefined) throw new Error(`token ${serial} not found by raw pkcs11js`);
  return slot;
}

const rates = (values: number[]) => ({
  medianPerSecond: round(median(values)),
  minPerSecond: round(Math.min(...values)),
  maxPerSecond: round(Math.max(...values)),
  /** 1 / the median rate, in microseconds. */
  medianUsPerSignature: round(1e6 / median(values)),
  rounds: values.length,
});

/**
 * Measures ECDSA P-256 and RSA-2048 signatures per second through the token layer and through
 * raw pkcs11js (per-signature session and one session) on one SoftHSM2 token made for it, and
 * removes the token afterwards. Throws when a signature does not verify, and whatever the
 * layer throws (KeywardenError: TOKEN_NOT_PRESENT, PIN_INCORRECT, TOKEN_FAILED, …).
 */
export async function benchTokens(log: (line: string) => void) {
  const started = performance.now();
  const hsm = startSoftHsm({ tokens: 1, prefix: 'kw-bench-' });
  const token = hsm.tokens[0];
  if (!token) {
    hsm.cleanup();
    throw new Error('the SoftHSM2 fixture made no token');
  }
  const ref: TokenRef = { module: SOFTHSM_MODULE, serial: token.serial };
  // A test PIN: the layer copies it per call; zeroed at the end.
  const pin = Buffer.from(token.pin);
  const data = randomBytes(DATA_BYTES);
  const lib = new pkcs11js.PKCS11();
  let rawLoaded = false;
  let layer: TokenLayer | undefined;
  let rawInitialised = false;
  const openLayer = () => (layer = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: POLL_MS }));
  const closeLayer = async () => {
    await layer?.close();
    layer = undefined;
  };
  try {
    // Loaded once for the whole run, so the library is never unloaded between rounds.
    lib.load(SOFTHSM_MODULE);
    rawLoaded = true;
    const tokens = openLayer();
    const keys: BenchKey[] = [];
    for (const algorithm of ALGORITHMS) {
      const made = await tokens.generate(ref, pin, { algorithm, label: `bench ${algorithm}` });
      if (!made.publicKey) throw new Error(`the token gave no public key for ${algorithm}`);
      const publicKey = createPublicKey({
        key: Buffer.from(made.publicKey, 'base64'),
        format: 'der',
        type: 'spki',
      });
      keys.push({ algorithm, id: made.id, publicKey });
    }
    await closeLayer();

    // Signatures per second, one entry per round.
    const noRates = (): Record<Path, number[]> => ({
      layer: [],
      layerPipelined: [],
      layerBatch: [],
      rawPerCall: [],
      rawOneSession: [],
    });
    const times: Record<Algorithm, Record<Path, number[]>> = {
      p256: noRates(),
      rsa2048: noRates(),
    };
    const check = (key: BenchKey, path: Path, signature: Buffer) => {
      // The layer returns ECDSA as DER, pkcs11js as r || s; RSA ignores the encoding.
      const dsaEncoding = path.startsWith('layer') ? 'der' : 'ieee-p1363';
      if (!verify('sha256', data, { key: key.publicKey, dsaEncoding }, signature)) {
        throw new Error(`a ${key.algorithm} signature from ${path} does not verify`);
      }
    };
    const measure = async (key: BenchKey, path: Path, signOnce: Signer) => {
      const run =
        path === 'layerPipelined'
          ? await timedRoundPipelined(async () => signOnce(), IN_FLIGHT)
          : await timedRound(signOnce);
      // A batch call made BATCH signatures.
      if (path === 'layerBatch') run.perSecond *= BATCH;
      check(key, path, run.last);
      times[key.algorithm][path].push(run.perSecond);
    };

    const layerPath = (path: 'layer' | 'layerPipelined' | 'layerBatch') => async () => {
      const open = openLayer();
      for (const key of keys) {
        const scheme = { keyId: key.id, algorithm: key.algorithm, hash: 'sha256' } as const;
        const batch = Array.from({ length: BATCH }, () => data);
        await measure(key, path, async () =>
          path === 'layerBatch'
            ? ((await open.signMany(ref, pin, { ...scheme, data: batch })).at(-1) ??
              Buffer.alloc(0))
            : open.sign(ref, pin, { ...scheme, data }),
        );
      }
      await closeLayer();
    };
    const runPath = {
      layer: layerPath('layer'),
      layerPipelined: layerPath('layerPipelined'),
      layerBatch: layerPath('layerBatch'),
      rawPerCall: async () => {
        const slot = initialiseRaw(lib, token.serial);
        rawInitialised = true;
        for (const key of keys) {
          await measure(key, 'rawPerCall', () => {
            const session = openSession(lib, slot, token.pin);
            try {
              return rawSign(lib, session, findKey(lib, session, key.id), key.algorithm, data);
            } finally {
              closeSession(lib, session);
            }
          });
        }
        lib.C_Finalize();
        rawInitialised = false;
      },
      rawOneSession: async () => {
        const slot = initialiseRaw(lib, token.serial);
        rawInitialised = true;
        const session = openSession(lib, slot, token.pin);
        try {
          for (const key of keys) {
            const handle = findKey(lib, session, key.id);
            await measure(key, 'rawOneSession', () =>
              rawSign(lib, session, handle, key.algorithm, data),
            );
          }
        } finally {
          closeSession(lib, session);
        }
        lib.C_Finalize();
        rawInitialised = false;
      },
    } satisfies Record<Path, () => Promise<void>>;

    for (let r = 0; r < ROUNDS; r += 1) {
      // Rotate which path goes first, so drift within a round hits none of them more.
      const order = [...PATHS.slice(r % PATHS.length), ...PATHS.slice(0, r % PATHS.length)];
      for (const path of order) await runPath[path]();
      log(
        `  round ${r + 1}/${ROUNDS} (${order.join(', ')}): ` +
          ALGORITHMS.map(
            (a) =>
              `${a} ${PATHS.map((p) => times[a][p].at(-1)?.toFixed(0) ?? '?').join(' / ')} sig/s`,
          ).join('; '),
      );
    }

    const perAlgorithm = (a: Algorithm) => {
      const t = times[a];
      const raw = median(t.rawOneSession);
      const sequential = median(t.layer) / raw;
      const pipelined = median(t.layerPipelined) / raw;
      const batch = median(t.layerBatch) / raw;
      return {
        layer: rates(t.layer),
        layerPipelined: rates(t.layerPipelined),
        layerBatch: rates(t.layerBatch),
        rawOneSession: rates(t.rawOneSession),
        rawPerCall: rates(t.rawPerCall),
        ratioSequential: round(sequential, 3),
        ratioPipelined: round(pipelined, 3),
        ratioBatch: round(batch, 3),
        sequentialWithinTarget: sequential >= TOKEN_RATIO_TARGET,
        pipelinedWithinTarget: pipelined >= TOKEN_RATIO_TARGET,
        batchWithinTarget: batch >= TOKEN_RATIO_TARGET,
        /** Time per signature a sequential caller pays beyond raw pkcs11js. */
        layerOverheadUs: round(1e6 / median(t.layer) - 1e6 / raw),
      };
    };
    return {
      module: SOFTHSM_MODULE,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      warmUpSignatures: WARM_UP,
      pollMs: POLL_MS,
      inFlight: IN_FLIGHT,
      batch: BATCH,
      dataBytes: DATA_BYTES,
      hash: 'sha256',
      ratioTarget: TOKEN_RATIO_TARGET,
      /** Every round's last signature, from every path, verified with node:crypto. */
      signaturesVerified: true,
      p256: perAlgorithm('p256'),
      rsa2048: perAlgorithm('rsa2048'),
      totalMs: round(performance.now() - started),
    };
  } finally {
    try {
      await closeLayer();
    } finally {
      if (rawInitialised) lib.C_Finalize();
      if (rawLoaded) lib.close();
      pin.fill(0);
      hsm.cleanup();
    }
  }
}

export type TokenBenchResult = Awaited<ReturnType<typeof benchTokens>>;

/** The token block of the benchmark table. */
export function tokenRows(r: TokenBenchResult): Array<[string, string]> {
  const perSecond = (s: ReturnType<typeof rates>) =>
    `${s.medianPerSecond.toFixed(1)} sig/s (min ${s.minPerSecond.toFixed(1)}, max ${s.maxPerSecond.toFixed(1)}; ${s.medianUsPerSignature} us/sig)`;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const block = (name: string, a: TokenBenchResult['p256']): Array<[string, string]> => [
    [
      `(d) ${name}: token layer, sequential (median of ${r.rounds} x ${r.roundMs / 1000} s)`,
      perSecond(a.layer),
    ],
    [`(d) ${name}: token layer, ${r.inFlight} in flight`, perSecond(a.layerPipelined)],
    [`(d) ${name}: token layer, signMany x ${r.batch}`, perSecond(a.layerBatch)],
    [`(d) ${name}: raw pkcs11js, one session`, perSecond(a.rawOneSession)],
    [`(d) ${name}: raw pkcs11js, session + login per sig`, perSecond(a.rawPerCall)],
    [
      `(d) ${name}: layer / raw, sequential`,
      `${a.ratioSequential.toFixed(3)} (target >= ${r.ratioTarget}: ${met(a.sequentialWithinTarget)}; layer adds ${a.layerOverheadUs} us/sig)`,
    ],
    [
      `(d) ${name}: layer / raw, ${r.inFlight} in flight`,
      `${a.ratioPipelined.toFixed(3)} (target >= ${r.ratioTarget}: ${met(a.pipelinedWithinTarget)})`,
    ],
    [
      `(d) ${name}: layer / raw, signMany x ${r.batch}`,
      `${a.ratioBatch.toFixed(3)} (target >= ${r.ratioTarget}: ${met(a.batchWithinTarget)})`,
    ],
  ];
  return [
    ...block('ECDSA P-256', r.p256),
    ...block('RSA-2048 PKCS#1 v1.5', r.rsa2048),
    [
      `(d) token benchmark time`,
      `${(r.totalMs / 1000).toFixed(1)} s (pollMs ${r.pollMs}; signatures verified)`,
    ],
  ];
}
