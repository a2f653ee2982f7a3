import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { disableCoreDumpsWith } from '../../../native/process/process-limits.ts';
import { coreLimits } from '../../helpers/core-dumps.child.ts';

// disableCoreDumps() changes the limits of the process that calls it, for good, so it runs in a
// child process (test/helpers/core-dumps.child.ts) and never in the test runner.

const child = fileURLToPath(new URL('../../helpers/core-dumps.child.ts', import.meta.url));

interface ShellOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface ChildReport {
  before: [string, string];
  result: unknown;
  after: [string, string];
  again: unknown;
  raiseHard: ShellOutcome;
  raiseSoft: ShellOutcome;
  inherited: ShellOutcome;
}

/**
 * Runs the child with its soft limit raised to its hard one first, so that both limits start
 * above 0 and a call that left either alone would show.
 */
function runChild(): ChildReport {
  const stdout = execFileSync(
    'sh',
    ['-c', 'ulimit -S -c "$(ulimit -H -c)" && exec "$0" "$1"', process.execPath, child],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(stdout) as ChildReport;
}

// With a hard limit of 0 already (some containers), a child could not show a change.
const ownBefore = process.platform === 'linux' ? coreLimits() : null;
const observable = ownBefore !== null && ownBefore[1] !== '0';

describe.skipIf(!observable)('disableCoreDumps (Linux, a core limit above 0 to start from)', () => {
  it('sets both core limits of the calling process to 0 and leaves its parent alone', () => {
    const report = runChild();
    expect(report.before).toEqual([ownBefore?.[1], ownBefore?.[1]]);
    expect(report.result).toEqual({ ok: true, applicable: true });
    expect(report.after).toEqual(['0', '0']);
    expect(report.again).toEqual({ ok: true, applicable: true });
    expect(coreLimits()).toEqual(ownBefore);
  });

  it('passes the 0 limits on to processes started afterwards, which cannot raise them', () => {
    const report = runChild();
    expect(report.inherited).toMatchObject({ status: 0, stdout: '0 0' });
    expect(report.raiseHard.status).not.toBe(0);
    expect(report.raiseHard.stderr).toMatch(/not permitted|denied|error/i);
    expect(report.raiseSoft.status).not.toBe(0);
    expect(report.raiseSoft.stdout).toBe('');
  });
});

describe('disableCoreDumps without the addon', () => {
  it('returns ok: false with what to install, and does not throw', () => {
    const limits = process.platform === 'linux' ? coreLimits() : null;
    const result = disableCoreDumpsWith('./addon/build/Release/no-such-addon.node');
    expect(result.ok).toBe(false);
    expect(result).toHaveProperty(
      'reason',
      expect.stringMatching(
        /^the process addon is not built \(.*no-such-addon\.node.*\); install /,
      ),
    );
    expect(result).toHaveProperty('reason', expect.stringContaining('npm run postinstall'));
    if (limits) expect(coreLimits()).toEqual(limits);
  });
});
