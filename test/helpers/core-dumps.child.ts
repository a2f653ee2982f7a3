import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { disableCoreDumps } from '../../native/process/process-limits.ts';

// The child process of test/unit/native/process-limits.test.ts: it turns its own core dumps
// off, then reports on stdout, as one JSON line, what it saw before and after, and what a
// shell it starts afterwards can do with the limit it inherits.

/** The "Max core file size" line of /proc/self/limits: [soft, hard] as the kernel prints them. */
export function coreLimits(): [string, string] {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((row) => row.startsWith('Max core file size'));
  const fields = line?.slice('Max core file size'.length).trim().split(/\s+/) ?? [];
  return [fields[0] ?? '?', fields[1] ?? '?'];
}

/** Runs `script` in a POSIX shell started now, so it inherits this process's limits. */
function shell(script: string): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  return { status, stdout: stdout.trim(), stderr: stderr.trim() };
}

if (process.argv[1] === import.meta.filename) {
  const before = coreLimits();
  const result = disableCoreDumps();
  const after = coreLimits();
  const again = disableCoreDumps();
  const raiseHard = shell('ulimit -H -c unlimited && ulimit -H -c');
  const raiseSoft = shell('ulimit -S -c 4096 && ulimit -S -c');
  const inherited = shell('echo "$(ulimit -S -c) $(ulimit -H -c)"');
  console.log(JSON.stringify({ before, result, after, again, raiseHard, raiseSoft, inherited }));
}
