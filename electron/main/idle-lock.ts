// Locks the vault after a stretch with no input. The main process polls the system's idle
// time (powerMonitor.getSystemIdleTime) rather than trusting the renderer to report input:
// a hung or compromised renderer cannot keep the vault open. Plain timers only, so tests run
// it with fake time.

/** What the idle lock reads and does. */
export interface IdleLockDeps {
  /** Seconds since the last keyboard or mouse input anywhere on the machine. */
  idleSeconds(): number;
  /** The idle time that locks, in minutes; 0 turns the idle lock off. */
  minutes(): number;
  /** Locks the vault (and the app reloads its window). */
  lock(): void;
}

/** How often the idle time is read. */
export const IDLE_POLL_MS = 10_000;

/**
 * Polls the idle time and calls `lock` once each time it first reaches the limit; input
 * since then re-arms it. Returns the function that stops polling.
 */
export function startIdleLock(deps: IdleLockDeps, everyMs: number = IDLE_POLL_MS): () => void {
  let armed = true;
  const check = () => {
    const minutes = deps.minutes();
    if (minutes <= 0) {
      armed = true;
      return;
    }
    const idle = deps.idleSeconds() >= minutes * 60;
    if (idle && armed) {
      armed = false;
      deps.lock();
    } else if (!idle) {
      armed = true;
    }
  };
  const timer = setInterval(check, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
