import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stopProcess } from './processes.ts';

// A real gnome-keyring on a private D-Bus session bus, for the OS keychain slot tests: a
// dbus-daemon of our own, and gnome-keyring-daemon (secrets component only) unlocked with a
// throwaway password, with HOME and the XDG folders in a temp folder so the user's real
// keyring is never touched. startKeyring() points this process's DBUS_SESSION_BUS_ADDRESS
// at the bus, so call it before anything loads the keychain binding: the binding connects
// once per process and keeps that bus. Child processes inherit the address.

const KEYRING_PASSWORD = 'keywarden-test-keyring';
const READY_TIMEOUT_MS = 15_000;

export interface KeyringSession {
  /** The private bus's address. */
  address: string;
  /** The environment for a child process that should reach this keyring. */
  env: NodeJS.ProcessEnv;
  /** The secret stored under `service` / `account` (`secret-tool lookup`), or null. */
  lookup(service: string, account: string): Buffer | null;
  /** Deletes the item (`secret-tool clear`). */
  clear(service: string, account: string): void;
  /** Stores `secret` under `service` / `account` (`secret-tool store`), replacing any item. */
  store(service: string, account: string, secret: Buffer): void;
  /** Stops both daemons and removes the temp folder; restores DBUS_SESSION_BUS_ADDRESS. */
  stop(): Promise<void>;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error('dbus-daemon printed no address')),
      READY_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, end).trim());
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
}

/**
 * A session bus with no service directories: nothing is ever activated behind our back (the
 * stock session config would start a second, locked gnome-keyring on first use of the name).
 */
function busConfig(socketDir: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${socketDir}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the bus and an unlocked keyring; waits until a probe item can be stored and read. */
export async function startKeyring(): Promise<KeyringSession> {
  const home = mkdtempSync(join(tmpdir(), 'keywarden-keyring-'));
  const runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: runtime,
  };
  const started: ChildProcess[] = [];
  const previous = process.env.DBUS_SESSION_BUS_ADDRESS;
  const stop = async () => {
    for (const child of started.reverse()) await stopProcess(child);
    rmSync(home, { recursive: true, force: true });
    if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
  };
  try {
    const config = join(home, 'bus.conf');
    writeFileSync(config, busConfig(runtime));
    const bus = spawn('dbus-daemon', [`--config-file=${config}`, '--print-address=1', '--nofork'], {
      env: baseEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    started.push(bus);
    const address = await firstLine(bus);
    const env = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: address };
    const keyring = spawn(
      'gnome-keyring-daemon',
      ['--unlock', '--components=secrets', '--foreground'],
      { env, stdio: ['pipe', 'ignore', 'ignore'] },
    );
    started.push(keyring);
    // A daemon that is missing or exits at once must fail the start below (the probe item never
    // appears), not crash the process with an unhandled 'error' event.
    let keyringError: Error | undefined;
    keyring.on('error', (error) => (keyringError = error));
    keyring.stdin?.on('error', () => undefined);
    keyring.stdin?.end(KEYRING_PASSWORD);
    const run = (args: string[], input?: Buffer) =>
      spawnSync('secret-tool', args, { env, input: input ?? Buffer.alloc(0), timeout: 10_000 });
    const session: KeyringSession = {
      address,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
      lookup: (service, account) => {
        const result = run(['lookup', 'service', service, 'username', account]);
        return result.status === 0 ? result.stdout : null;
      },
      clear: (service, account) => {
        run(['clear', 'service', service, 'username', account]);
      },
      store: (service, account, secret) => {
        const result = run(
          ['store', '--label', 'test item', 'service', service, 'username', account],
          secret,
        );
        if (result.status !== 0) throw new Error(`secret-tool store failed: ${result.stderr}`);
      },
      stop,
    };
    // Waiting for the name alone is not enough: the login keyring must be created and unlocked.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const probe = Buffer.from('probe');
    for (;;) {
      const stored = run(
        ['store', '--label', 'probe', 'service', 'probe', 'username', 'probe'],
        probe,
      );
      if (stored.status === 0 && session.lookup('probe', 'probe')?.equals(probe)) break;
      if (keyringError) throw new Error(`gnome-keyring-daemon failed: ${keyringError.message}`);
      if (Date.now() > deadline) throw new Error('gnome-keyring did not become ready');
      await sleep(100);
    }
    session.clear('probe', 'probe');
    process.env.DBUS_SESSION_BUS_ADDRESS = address;
    return session;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The OS keychain item of the keychain slot of the vault at `path`, as the slot's parameters
 * name it (read with SQLite, locked or not). Throws when the vault has no keychain slot.
 */
export function keychainItem(path: string): { service: string; account: string } {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare("SELECT params FROM unlock_slots WHERE kind = 'keychain'").get() as
      { params: string } | undefined;
    if (!row) throw new Error('the vault has no keychain slot');
    return (JSON.parse(row.params) as { ref: { service: string; account: string } }).ref;
  } finally {
    db.close();
  }
}
