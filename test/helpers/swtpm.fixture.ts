import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './processes.ts';

// A real TPM 2.0 for the TPM slot tests: swtpm (libtpms) on two TCP ports of 127.0.0.1, with
// its state in a temp folder, as DESIGN.md "Testing with real parts" starts it. There is no
// resource manager in front of it, so whatever a test leaves loaded stays in its few slots
// until restart(); tpm2-tools (through `env`) read and change it from the outside.
//
// vitest runs test files in parallel processes, so ports are never fixed: the kernel hands out
// a free one (bind to port 0), the next one must be free too (swtpm's control channel), and if
// another process takes either before swtpm binds them, swtpm exits and we try a new pair.
// swtpm writes its pid file only once both sockets are bound, which is how we know the ports
// are ours and not another test's swtpm.

const START_ATTEMPTS = 10;
const READY_TIMEOUT_MS = 15_000;
const TOOL_TIMEOUT_MS = 15_000;

export interface DictionaryLockout {
  /** Wrong authorisations before lockout. */
  maxTries: number;
  /** Seconds after which one failure is forgotten (0: never). */
  recoveryTime: number;
  /** Seconds the lockout hierarchy stays locked after a failed lockout authorisation. */
  lockoutRecovery: number;
}

export interface SwtpmSession {
  /** The TCTI configuration for this TPM: `swtpm:host=127.0.0.1,port=P`. */
  tcti: string;
  /** The TPM command port (the control channel is port + 1). */
  port: number;
  /** The environment for tpm2-tools (TPM2TOOLS_TCTI set). */
  env: NodeJS.ProcessEnv;
  /** Extends a SHA-256 PCR with `hexData` (32 bytes in hex; a fixed test digest by default). */
  extendPcr(index: number, hexData?: string): Promise<void>;
  /** The SHA-256 PCR's value, lower-case hex. */
  readPcr(index: number): Promise<string>;
  /** TPM2_Clear through the lockout hierarchy: a new owner seed, so every sealed object dies. */
  clear(): Promise<void>;
  /** Sets the dictionary-attack parameters (tpm2_dictionarylockout). */
  setLockout(parameters: DictionaryLockout): Promise<void>;
  /** Resets the dictionary-attack counter, ending a lockout. */
  clearLockout(): Promise<void>;
  /** The handles `tpm2_getcap` lists ('handles-transient', 'handles-loaded-session'). */
  handles(kind: 'handles-transient' | 'handles-loaded-session'): Promise<string[]>;
  /** Stops swtpm and starts it again on the same state and ports: a reboot (PCRs reset). */
  restart(): Promise<void>;
  /** Stops swtpm (SIGTERM, then SIGKILL) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function listen(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A port P such that P and P + 1 were both free a moment ago. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const first = await listen(0);
    if (!first) throw new Error('cannot bind any port on 127.0.0.1');
    const address = first.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const second = port > 0 && port < 65535 ? await listen(port + 1) : null;
    await close(first);
    if (second) {
      await close(second);
      return port;
    }
  }
}

function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { env, timeout: TOOL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Starts swtpm on `port` (or on a fresh free pair when `port` is 0) and resolves once it
 * answers tpm2-tools. With a given port, a port taken by someone else fails; with 0, up to
 * START_ATTEMPTS pairs are tried.
 */
async function launch(dir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  let lastError = '';
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const chosen = port || (await freePortPair());
    const pidFile = join(dir, 'swtpm.pid');
    rmSync(pidFile, { force: true });
    const child = spawn(
      'swtpm',
      [
        'socket',
        '--tpm2',
        '--tpmstate',
        `dir=${dir}`,
        '--server',
        `type=tcp,port=${chosen},bindaddr=127.0.0.1`,
        '--ctrl',
        `type=tcp,port=${chosen + 1},bindaddr=127.0.0.1`,
        '--flags',
        'not-need-init,startup-clear',
        '--pid',
        `file=${pidFile}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('error', (error) => {
      stderr += String(error);
    });
    const env = { ...process.env, TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${chosen}` };
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ready = false;
    while (!ready && child.exitCode === null && child.signalCode === null) {
      const ours =
        existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(child.pid);
      if (ours) {
        ready = await runTool('tpm2_getcap', ['handles-transient'], env).then(
          () => true,
          () => false,
        );
      }
      if (!ready) {
        if (Date.now() > deadline) break;
        await Promise.race([sleep(20), exited]);
      }
    }
    if (ready) return { child, port: chosen };
    await stopProcess(child);
    lastError = stderr.trim() || 'swtpm did not answer in time';
    if (port) break;
  }
  throw new Error(`swtpm did not start: ${lastError}`);
}

/** Starts a fresh swtpm (new owner seed, empty PCRs) in its own temp folder. */
export async function startSwtpm(): Promise<SwtpmSession> {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-swtpm-'));
  let running: ChildProcess | null = null;
  let stopped = false;
  try {
    const launched = await launch(dir, 0);
    running = launched.child;
    const { port } = launched;
    const tcti = `swtpm:host=127.0.0.1,port=${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, TPM2TOOLS_TCTI: tcti };
    const tool = (name: string, ...args: string[]) => runTool(name, args, env);
    const testDigest = createHash('sha256').update('keywarden swtpm fixture').digest('hex');
    return {
      tcti,
      port,
      env,
      extendPcr: async (index, hexData = testDigest) => {
        await tool('tpm2_pcrextend', `${index}:sha256=${hexData}`);
      },
      readPcr: async (index) => {
        const output = await tool('tpm2_pcrread', `sha256:${index}`);
        const match = /:\s*0x([0-9A-Fa-f]{64})/.exec(output);
        if (!match?.[1]) throw new Error(`tpm2_pcrread printed no value: ${output}`);
        return match[1].toLowerCase();
      },
      clear: async () => {
        await tool('tpm2_clear');
      },
      setLockout: async ({ maxTries, recoveryTime, lockoutRecovery }) => {
        await tool(
          'tpm2_dictionarylockout',
          '--setup-parameters',
          `--max-tries=${maxTries}`,
          `--recovery-time=${recoveryTime}`,
          `--lockout-recovery-time=${lockoutRecovery}`,
        );
      },
      clearLockout: async () => {
        await tool('tpm2_dictionarylockout', '--clear-lockout');
      },
      handles: async (kind) => {
        const output = await tool('tpm2_getcap', kind);
        return output
          .split('\n')
          .map((line) => line.replace(/^-\s*/, '').trim())
          .filter((line) => line.length > 0);
      },
      restart: async () => {
        if (stopped) throw new Error('swtpm was stopped');
        if (running) await stopProcess(running);
        running = null;
        running = (await launch(dir, port)).child;
      },
      stop: async () => {
        stopped = true;
        if (running) await stopProcess(running);
        running = null;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (running) await stopProcess(running);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
