import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Runs the real `keywarden` command in a child process (the same Node that runs the tests),
// feeding `stdin` and collecting stdout, stderr and the exit code.

export const CLI_PATH = fileURLToPath(new URL('../../bin/keywarden.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `keywarden ...args` (in `env`, this process's environment by default). Secrets go
 * through files or `stdin`, never argv.
 */
export function runKeywarden(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
