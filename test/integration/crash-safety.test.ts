import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVault, tempDir, TEST_PASSPHRASE, unlockVault } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';

// Crash safety: a child process writing records (fixtures/crash-writer.ts) is killed with
// SIGKILL at a random moment (node:crypto randomInt), 200 times: while it opens and unlocks
// the vault, or while it writes single records, overwrites (new versions) and putRecords
// batches. After every kill the vault must unlock in this process (which authenticates the
// header, the record set and the audit checkpoint), every record whose write had returned in
// the child ("ack" on its stdout) must be there at least at the acknowledged version, and
// the audit chain must verify. Bodies are read back (readRecordBody, one audited
// transaction each) for every record acknowledged in the round just killed plus a sample of
// older ones, and for every record in a last pass; every body must be exactly the one of
// the version found. The passphrase reaches the child through stdin only.

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const COLLECTION = 'crash';
const ACTOR = 'crash-verifier';
const KILLS = 200;
/** Ceiling on one child's life; reaching it fails the test rather than hanging it. */
const CHILD_DEADLINE_MS = 15_000;
/** How long after "writing" the child may write before it is killed, at most. */
const MAX_WRITE_WINDOW_MS = 120;
/** Older acknowledged records whose body is also re-read after each kill. */
const OLDER_BODY_SAMPLES = 4;

/** The oracle: the same derivation as crash-writer.ts, kept apart on purpose. */
function crashBody(n: number, version: number): Buffer {
  const blocks = 1 + ((n * 7 + version * 13) % 64);
  const parts: Buffer[] = [];
  let block = createHash('sha256').update(`keywarden-crash:${n}:${version}`).digest();
  for (let i = 0; i < blocks; i += 1) {
    parts.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(parts);
}

/** What the parent has seen of the child, from its stdout protocol. */
type Phase = 'spawned' | 'ready' | 'opening' | 'unlocking' | 'unlocked' | 'writing' | 'acked';
/** Where the random kill is aimed, measured from the "go" (stdin sent) or a protocol line. */
type KillPlan = 'during-open-and-unlock' | 'during-unlock' | 'during-writes';
const PLANS: readonly KillPlan[] = [
  ...Array<KillPlan>(3).fill('during-open-and-unlock'),
  ...Array<KillPlan>(2).fill('during-unlock'),
  ...Array<KillPlan>(5).fill('during-writes'),
];

interface ChildRun {
  plan: KillPlan;
  /** The phase the parent had seen when it sent SIGKILL. */
  phaseAtKill: Phase;
  /** The last phase the parent saw. */
  lastPhase: Phase;
  signal: NodeJS.Signals | null;
  code: number | null;
  /** Every complete `ack` line, as [n, version] pairs, including lines drained after the kill. */
  acks: Array<[number, number]>;
  stderr: string;
  protocolError: string | null;
  /** Milliseconds from the go to the "unlocking" and "unlocked" lines. */
  unlockingAtMs: number | null;
  unlockedAtMs: number | null;
  killedByDeadline: boolean;
}

interface Writer {
  child: ChildProcessWithoutNullStreams;
  /** Resolves once the child has loaded its modules and waits for stdin (or is gone). */
  ready: Promise<void>;
  /** Sends the passphrase and start index, kills the child at a random moment, resolves once it is gone. */
  go(start: number): Promise<ChildRun>;
}

const live = new Set<ChildProcessWithoutNullStreams>();

function killChild(child: ChildProcessWithoutNullStreams): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Rolling estimates of the child's timings, so the kill delays cover the phase aimed at. */
const timing = { goToUnlockedMs: 80, unlockMs: 60 };

/**
 * Starts a writer ahead of its round: it loads its modules while the parent checks the vault,
 * and opens the vault only once go() has sent its stdin.
 */
function spawnWriter(vaultPath: string): Writer {
  const child = spawn(process.execPath, [WRITER, vaultPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const run: ChildRun = {
    plan: 'during-writes',
    phaseAtKill: 'spawned',
    lastPhase: 'spawned',
    signal: null,
    code: null,
    acks: [],
    stderr: '',
    protocolError: null,
    unlockingAtMs: null,
    unlockedAtMs: null,
    killedByDeadline: false,
  };
  let phase: Phase = 'spawned';
  let goAt = 0;
  let killed = false;
  let killTimer: NodeJS.Timeout | null = null;
  let deadline: NodeJS.Timeout | null = null;
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let markClosed = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));

  const kill = () => {
    if (killed) return;
    killed = true;
    run.phaseAtKill = phase;
    killChild(child);
  };
  const killIn = (ms: number) => {
    killTimer ??= setTimeout(kill, ms);
  };
  const onLine = (line: string) => {
    const since = performance.now() - goAt;
    if (line === 'ready') {
      phase = 'ready';
      markReady();
    } else if (line === 'opening') phase = 'opening';
    else if (line === 'unlocking') {
      phase = 'unlocking';
      run.unlockingAtMs = since;
      if (run.plan === 'during-unlock') killIn(randomInt(0, Math.ceil(timing.unlockMs) + 5));
    } else if (line === 'unlocked') {
      phase = 'unlocked';
      run.unlockedAtMs = since;
    } else if (line === 'writing') {
      phase = 'writing';
      if (run.plan === 'during-writes') killIn(randomInt(0, MAX_WRITE_WINDOW_MS + 1));
    } else if (line.startsWith('ack ')) {
      phase = 'acked';
      for (const pair of line.slice(4).split(' ')) {
        const [n, version] = pair.split(':').map(Number);
        if (Number.isSafeInteger(n) && Number.isSafeInteger(version))
          run.acks.push([n as number, version as number]);
        else run.protocolError ??= `bad ack line: ${line}`;
      }
    } else run.protocolError ??= `unexpected line: ${line}`;
  };

  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (run.stderr += chunk));
  // The child may be gone before it reads its stdin: ignore EPIPE there.
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => {
    run.protocolError ??= `spawn failed: ${error.message}`;
    live.delete(child);
    markReady();
    markClosed();
  });
  child.on('close', (code, signal) => {
    if (killTimer) clearTimeout(killTimer);
    if (deadline) clearTimeout(deadline);
    live.delete(child);
    run.code = code;
    run.signal = signal;
    run.lastPhase = phase;
    markReady();
    markClosed();
  });

  const go = async (start: number): Promise<ChildRun> => {
    run.plan = PLANS[randomInt(PLANS.length)] ?? 'during-writes';
    goAt = performance.now();
    deadline = setTimeout(() => {
      run.killedByDeadline = true;
      kill();
    }, CHILD_DEADLINE_MS);
    if (run.plan === 'during-open-and-unlock')
      killIn(randomInt(0, Math.ceil(timing.goToUnlockedMs) + 1));
    // The passphrase goes through stdin only: never argv, never the environment.
    child.stdin.end(`${TEST_PASSPHRASE}\n${start}\n`);
    await closed;
    if (run.unlockedAtMs !== null)
      timing.goToUnlockedMs = 0.8 * timing.goToUnlockedMs + 0.2 * run.unlockedAtMs;
    if (run.unlockingAtMs !== null && run.unlockedAtMs !== null) {
      timing.unlockMs = 0.8 * timing.unlockMs + 0.2 * (run.unlockedAtMs - run.unlockingAtMs);
    }
    return run;
  };
  return { child, ready, go };
}

describe('crash safety', () => {
  let dir: TempDir;
  let vaultPath: string;

  beforeAll(async () => {
    dir = tempDir('keywarden-crash-');
    vaultPath = dir.file('crash.kwv');
    await makeVault(vaultPath);
  });

  afterAll(() => {
    for (const child of live) killChild(child);
    dir?.cleanup();
  });

  it(`keeps every acknowledged record and a verifiable audit chain across ${KILLS} SIGKILLs`, async () => {
    /** n -> highest acknowledged version. */
    const acked = new Map<number, number>();
    const killedIn: Record<Phase, number> = {
      spawned: 0,
      ready: 0,
      opening: 0,
      unlocking: 0,
      unlocked: 0,
      writing: 0,
      acked: 0,
    };
    const kills: Record<KillPlan, number> = {
      'during-open-and-unlock': 0,
      'during-unlock': 0,
      'during-writes': 0,
    };
    let totalKills = 0;
    let totalAcks = 0;
    let bodiesChecked = 0;
    let start = 0;
    let childMs = 0;
    let verifyMs = 0;
    let writer = spawnWriter(vaultPath);

    for (let round = 1; round <= KILLS; round += 1) {
      await writer.ready;
      const childStarted = performance.now();
      const run = await writer.go(start);
      // The next writer loads its modules while this round is checked.
      if (round < KILLS) writer = spawnWriter(vaultPath);
      const verifyStarted = performance.now();
      childMs += verifyStarted - childStarted;
      const where = `round ${round} (${run.plan}, killed while ${run.phaseAtKill})`;
      expect(run.protocolError, `${where}: stderr: ${run.stderr}`).toBeNull();
      expect(
        run.killedByDeadline,
        `${where}: the writer never reached its kill point; stderr: ${run.stderr}`,
      ).toBe(false);
      expect(
        run.signal,
        `${where}: the writer exited by itself (code ${run.code}) after "${run.lastPhase}"; stderr: ${run.stderr}`,
      ).toBe('SIGKILL');
      totalKills += 1;
      kills[run.plan] += 1;
      killedIn[run.phaseAtKill] += 1;

      const ackedThisRound = new Set<number>();
      for (const [n, version] of run.acks) {
        totalAcks += 1;
        ackedThisRound.add(n);
        if (version > (acked.get(n) ?? 0)) acked.set(n, version);
      }

      // Unlocking authenticates the header, the record set and the audit checkpoint.
      const vault = await unlockVault(vaultPath);
      try {
        const found = new Map<number, number>();
        const problems: string[] = [];
        for (const record of vault.listRecords(COLLECTION)) {
          const n = Number(record.meta.n);
          if (record.recordId !== `r-${n}` || record.meta.v !== record.version) {
            problems.push(
              `${record.recordId} v${record.version} carries the meta of another write: ${JSON.stringify(record.meta)}`,
            );
          }
          found.set(n, record.version);
        }
        for (const [n, version] of acked) {
          const present = found.get(n);
          if (present === undefined)
            problems.push(`acknowledged record r-${n} v${version} is missing`);
          else if (present < version)
            problems.push(`r-${n} is at v${present}, below its acknowledged v${version}`);
        }
        expect(problems, where).toEqual([]);
        const bodies = new Set(ackedThisRound);
        const older = [...acked.keys()];
        for (let i = 0; i < OLDER_BODY_SAMPLES && older.length > 0; i += 1)
          bodies.add(older[randomInt(older.length)] as number);
        for (const n of bodies) {
          const body = vault.readRecordBody(ACTOR, COLLECTION, `r-${n}`);
          const expected = crashBody(n, found.get(n) ?? -1);
          expect(
            body.equals(expected),
            `${where}: r-${n} v${found.get(n)} has the wrong body`,
          ).toBe(true);
          body.fill(0);
          bodiesChecked += 1;
        }
        const audit = vault.verifyAudit();
        expect(
          audit.intact,
          `${where}: audit chain broken: ${JSON.stringify(audit.firstBad)}`,
        ).toBe(true);
        expect(audit.checkpoint).toBe('verified');
        start = Math.max(start, ...found.keys()) + 1;
      } finally {
        vault.lock(ACTOR);
      }
      verifyMs += performance.now() - verifyStarted;
    }

    // Last pass: every record's body, not only the sampled ones.
    const vault = await unlockVault(vaultPath);
    try {
      const records = vault.listRecords(COLLECTION);
      for (const record of records) {
        const n = Number(record.meta.n);
        const body = vault.readRecordBody(ACTOR, COLLECTION, record.recordId);
        expect(
          body.equals(crashBody(n, record.version)),
          `final: r-${n} v${record.version} has the wrong body`,
        ).toBe(true);
        body.fill(0);
      }
      const versions = new Map(records.map((record) => [record.recordId, record.version]));
      const behind = [...acked].filter(([n, version]) => (versions.get(`r-${n}`) ?? 0) < version);
      expect(behind, 'final: acknowledged records missing or rolled back').toEqual([]);
      // status() opens every part of every record and checks the chain with its checkpoint.
      expect(vault.status(ACTOR).authenticated).toBe(records.length);
      expect(vault.verifyAudit().intact).toBe(true);
    } finally {
      vault.lock(ACTOR);
    }

    const overwrites = [...acked.values()].filter((v) => v > 1).length;
    console.info(
      `crash safety: ${totalKills} kills ${JSON.stringify(kills)}, phase seen at kill ${JSON.stringify(killedIn)}, ` +
        `${totalAcks} acknowledged writes of ${acked.size} records (${overwrites} at version > 1), ` +
        `${bodiesChecked} bodies checked after kills; per round ${(childMs / KILLS).toFixed(0)} ms in the child, ` +
        `${(verifyMs / KILLS).toFixed(0)} ms verifying`,
    );
    expect(totalKills).toBe(KILLS);
    // The test must be able to fail if the writer never writes or is never caught unlocking.
    expect(totalAcks).toBeGreaterThanOrEqual(1000);
    expect(overwrites).toBeGreaterThanOrEqual(50);
    expect(killedIn.writing + killedIn.acked).toBeGreaterThanOrEqual(60);
    expect(killedIn.ready + killedIn.opening + killedIn.unlocking).toBeGreaterThanOrEqual(20);
  }, 600_000);
});
