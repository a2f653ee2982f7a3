import type { ChildProcess } from 'node:child_process';

// Stopping the daemons tests start (swtpm, dbus-daemon, gnome-keyring): SIGTERM, then SIGKILL
// after 5 s, resolved once the process has exited.

/** Stops `child` and waits for it to exit; at once when it already has. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
