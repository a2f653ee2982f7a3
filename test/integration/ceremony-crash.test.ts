import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemplate } from '../../electron/core/ceremony/ceremony-templates.ts';
import type { CeremonyView, TranscriptDocument } from '../../electron/shared/ceremony-run-types.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { CLI_PATH, runKeywarden } from '../helpers/cli.ts';
import { PRESENCE } from '../helpers/ceremony-script.ts';
import { cliVault, enrolPresence } from '../helpers/cli-vault.ts';
import type { CliVault } from '../helpers/cli-vault.ts';

// Ceremonies killed with SIGKILL at every step, then resumed: after each act (one person at
// one step) the run is killed at once or a little later, so the kill lands in the next
// person's proof, in the split's files, in a key's generation or in a commit. Resumed, each
// ceremony ends with every act recorded exactly once, one set of share files that rebuilds
// the key (a split) or exactly one key (a generation), a transcript that verifies, and a
// vault whose records and audit chain authenticate.

let vault: CliVault;
let key: KeyView;
let pem: string;
let signerId: string;

const PARTICIPANTS = [
  ['administrator', 'Alice'],
  ['custodian', 'Carol'],
  ['custodian', 'Dave'],
  ['custodian', 'Erin'],
  ['witness', 'Wendy'],
] as const;

const WITNESSED = [
  ['administrator', 'Alice'],
  ['witness', 'Wendy'],
] as const;

/** One act per entry the ceremony records: the lines a person types for it. */
function actsOf(
  template: string,
  participants: ReadonlyArray<readonly [string, string]>,
): string[][] {
  const acts: string[][] = [];
  for (const step of findTemplate(template).steps) {
    for (const [role, name] of participants) {
      if (step.by && !(step.by as string[]).includes(role)) continue;
      acts.push([...(step.kind === 'presence' ? [] : ['y']), PRESENCE[name]!]);
    }
  }
  return acts;
}

const run = (args: string[], stdin = '') => vault.run(args, stdin);

/**
 * Starts `keywarden …args` with `stdin`, and SIGKILLs it `delayMs` after its `after`-th
 * "done:" line. Returns what it printed.
 */
function runAndKill(
  args: string[],
  stdin: string,
  after: number,
  delayMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args, ...vault.base], { stdio: 'pipe' });
    let stdout = '';
    let armed = false;
    const arm = () => {
      if (armed) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const done = stdout.match(/^done: /gm)?.length ?? 0;
      if (stdout.includes('ceremony: ') && done >= after) arm();
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve(stdout));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  vault = await cliVault('keywarden-ceremony-crash-', [
    ['Alice', ['officer']],
    ['Carol', ['custodian']],
    ['Dave', ['custodian']],
    ['Erin', ['custodian']],
    ['Wendy', ['witness']],
  ]);
  await enrolPresence(
    vault,
    PRESENCE,
    PARTICIPANTS.map(([, name]) => name),
  );
  key = await vault.generate('zone master', 'aes256', 'encrypt,decrypt');
  const signer = await vault.generate('ceremony key', 'ed25519', 'sign,verify');
  pem = vault.dir.file('ceremony-key.pem');
  expect(
    (await run(['keys', 'export-public', signer.id, '--format', 'pem', '--out', pem])).code,
  ).toBe(0);
  signerId = signer.id;
});
afterAll(() => vault.dir.cleanup());

const participantArgs = (participants: ReadonlyArray<readonly [string, string]>) =>
  participants.flatMap(([role, name]) => ['--participant', `${role}:${name}`]);

/**
 * Runs `ceremony run` with every act's answers, SIGKILLs it after `after` acts (and a delay
 * that varies with `after`), then resumes it with the answers still owed. Returns the
 * ceremony's id and its transcript, written by the resumed run, once it verifies.
 */
async function killAndResume(start: string[], acts: string[][], after: number, out: string) {
  const all = acts.map((act) => act.join('\n')).join('\n');
  const printed = await runAndKill(start, `${all}\n`, after, (after * 37) % 160);
  const id = /ceremony: (\S+)/.exec(printed)?.[1];
  expect(id).toBeDefined();
  const shown = JSON.parse((await run(['ceremony', 'show', id!, '--json'])).stdout) as CeremonyView;
  const recorded = shown.entries.filter((e) => e.event !== 'resumed').length;
  expect(recorded).toBeGreaterThanOrEqual(after);
  const rest = acts
    .slice(recorded)
    .map((act) => act.join('\n'))
    .join('\n');
  const transcript = join(out, 'transcript.json');
  const resumed = await run(
    ['ceremony', 'resume', id!, '--transcript-out', transcript],
    `${rest}\n`,
  );
  expect(resumed.stderr).not.toContain('error [');
  expect(resumed.stdout).toContain('status: completed');
  const document = JSON.parse(readFileSync(transcript, 'utf8')) as TranscriptDocument;
  const acted = document.entries
    .filter((e) => e.step !== null)
    .map((e) => `${e.step}/${e.by ?? ''}`);
  // Every act exactly once.
  expect(acted).toHaveLength(acts.length);
  expect(new Set(acted).size).toBe(acts.length);
  expect(document.entries.filter((e) => e.event === 'resumed').length).toBeGreaterThanOrEqual(1);
  const verified = await runKeywarden([
    'ceremony',
    'verify',
    transcript,
    '--public-key',
    pem,
    '--json',
  ]);
  expect(verified.stderr).toBe('');
  return { id: id!, document };
}

describe('a split ceremony killed with SIGKILL at every step', () => {
  const acts = actsOf('split-key', PARTICIPANTS);

  it.each(acts.map((_, i) => i))(
    'killed after %i acts, resumed: one set of shares that rebuilds the key',
    async (after) => {
      const out = vault.dir.file(`medium-${after}`);
      mkdirSync(out);
      const start = [
        'ceremony',
        'run',
        'split-key',
        '--signing-key',
        signerId,
        ...participantArgs(PARTICIPANTS),
        '--param',
        `key=${key.id}`,
        '--param',
        'threshold=2',
        '--param',
        `out-dir=${out}`,
      ];
      const { id, document } = await killAndResume(start, acts, after, out);
      const folder = join(out, `shares-${id.slice(0, 8)}`);
      const files = readdirSync(folder).sort();
      expect(files).toEqual(['1-carol.share', '2-dave.share', '3-erin.share']);
      const split = document.entries.find((e) => e.event === 'action')!;
      const rebuilt = await run([
        'ceremony',
        'combine',
        '--share',
        join(folder, files[0]!),
        '--share',
        join(folder, files[2]!),
        '--name',
        `rebuilt ${after}`,
        '--purpose',
        'encrypt',
        '--owner',
        'Alice',
        '--json',
      ]);
      expect(rebuilt.stderr).toBe('');
      expect((JSON.parse(rebuilt.stdout) as { kcv: string }).kcv).toBe(split.detail.kcv);
    },
    120_000,
  );
});

describe('a generate ceremony killed with SIGKILL at every step', () => {
  const acts = actsOf('generate-key', WITNESSED);

  it.each(acts.map((_, i) => i))(
    'killed after %i acts, resumed: exactly one key generated, the one the transcript names',
    async (after) => {
      const out = vault.dir.file(`generated-${after}`);
      mkdirSync(out);
      const name = `root ${after}`;
      const start = [
        'ceremony',
        'run',
        'generate-key',
        '--signing-key',
        signerId,
        ...participantArgs(WITNESSED),
        '--param',
        `name=${name}`,
        '--param',
        'algorithm=p256',
        '--param',
        'tier=3',
        '--param',
        'purposes=sign,verify',
        '--param',
        'owner=Alice',
      ];
      const { document } = await killAndResume(start, acts, after, out);
      const keys = JSON.parse((await run(['keys', 'list', '--json'])).stdout) as KeyView[];
      const named = keys.filter((k) => k.name === name);
      expect(named).toHaveLength(1);
      const generated = document.entries.find((e) => e.event === 'action')!;
      expect(generated.detail.key).toBe(named[0]!.id);
      expect(generated.detail.fingerprint).toBe(named[0]!.fingerprint);
    },
    120_000,
  );
});

describe('after every kill', () => {
  it("the vault's records and audit chain authenticate, and every ceremony completed", async () => {
    const status = await run(['status', '--json']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const audit = await run(['audit', 'verify', '--json']);
    expect(JSON.parse(audit.stdout)).toMatchObject({ intact: true });
    const listed = JSON.parse((await run(['ceremony', 'list', '--json'])).stdout) as Array<{
      status: string;
    }>;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((c) => c.status === 'completed')).toBe(true);
  });
});
