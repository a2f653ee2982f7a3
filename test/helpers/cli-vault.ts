import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { CLI_PATH, runKeywarden } from './cli.ts';
import type { CliResult } from './cli.ts';
import { registerPeople } from './inventory-fixture.ts';
import { makeVault, tempDir, TEST_PASSPHRASE, unlockVault } from './vault-fixture.ts';
import type { TempDir } from './vault-fixture.ts';

// A vault in a temp folder as the CLI tests drive it: people registered, the passphrase in an
// owner-only file, and `keywarden … --vault V --passphrase-file F --actor ACTOR` one call away.

export interface CliVault {
  dir: TempDir;
  /** The options every vault command is given: the vault, its passphrase file, the actor. */
  base: string[];
  /** Runs `keywarden …args` with the base options, feeding `stdin` when given. */
  run(args: readonly string[], stdin?: string): Promise<CliResult>;
  /** `keys generate` of a key owned by the actor; its stderr must be empty. */
  generate(name: string, algorithm: string, purposes: string, ...more: string[]): Promise<KeyView>;
}

/**
 * A new vault with `people` registered (name and registry roles), acting as `actor` (the
 * first of them by default).
 */
export async function cliVault(
  prefix: string,
  people: ReadonlyArray<readonly [string, readonly string[]]>,
  actor = people[0]?.[0] ?? 'Alice',
): Promise<CliVault> {
  const dir = tempDir(prefix);
  const path = dir.file('v.kw');
  await makeVault(path);
  const vault = await unlockVault(path);
  registerPeople(
    vault,
    people.map(([name, roles]) => [name, [...roles]]),
  );
  vault.lock('tester');
  const passFile = dir.file('pass');
  writeFileSync(passFile, TEST_PASSPHRASE, { mode: 0o600 });
  const base = ['--vault', path, '--passphrase-file', passFile, '--actor', actor];
  const run = (args: readonly string[], stdin?: string) =>
    runKeywarden([...args, ...base], stdin === undefined ? {} : { stdin });
  return {
    dir,
    base,
    run,
    async generate(name, algorithm, purposes, ...more) {
      const made = await run([
        'keys',
        'generate',
        '--name',
        name,
        '--algorithm',
        algorithm,
        '--purpose',
        purposes,
        '--owner',
        actor,
        ...more,
        '--json',
      ]);
      expect(made.stderr).toBe('');
      return JSON.parse(made.stdout) as KeyView;
    },
  };
}

/** Enrols each person's presence passphrase (`people presence NAME`, the passphrase on stdin). */
export async function enrolPresence(
  vault: CliVault,
  passphrases: Readonly<Record<string, string>>,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    const set = await vault.run(['people', 'presence', name], `${passphrases[name]}\n`);
    expect(set.code, set.stderr).toBe(0);
  }
}

/** A terminal control sequence (ESC [ … letter), as readline writes to move the cursor. */
const CONTROL_SEQUENCE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

/**
 * Runs `keywarden …args` at a real terminal (a pty made by `script`), answering each prompt
 * in turn: when what was printed since the last answer matches the next pattern, its answer is
 * typed. Returns the exit code, what the terminal showed (control sequences removed) and the
 * answers never asked for.
 */
export function runAtTerminal(
  args: readonly string[],
  answers: ReadonlyArray<readonly [RegExp, string]>,
): Promise<{ code: number | null; seen: string; unasked: number }> {
  const pending = [...answers];
  const command = [process.execPath, CLI_PATH, ...args].map((arg) => `'${arg}'`).join(' ');
  let seen = '';
  let unread = '';
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: 'pipe' });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, seen, unasked: pending.length }));
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8').replace(CONTROL_SEQUENCE, '');
      seen += text;
      unread += text;
      const next = pending[0];
      if (next && next[0].test(unread)) {
        pending.shift();
        unread = '';
        seen += '\n';
        child.stdin.write(`${next[1]}\r`);
      }
    });
  });
}
