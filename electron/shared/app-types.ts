// Plain types of the app itself (settings, progress) that cross the IPC contract.

/** The settings the app shows and edits; nothing in them is secret. */
export interface AppSettings {
  /** Minutes of no input before the app locks the vault; 0 means never. */
  autoLockMinutes: number;
  /** The vault file the app opens: the one last chosen, else the app's default place. */
  vaultPath: string;
}

/** How long the app waits, by default, before locking an idle vault. */
export const DEFAULT_AUTO_LOCK_MINUTES = 5;

/** How long a copy stays on the clipboard before the app clears it (if it is still there). */
export const CLIPBOARD_CLEAR_MS = 30_000;

/** KDF calibration under way: how many iterations were tried and for how long. */
export interface CalibrationProgressView {
  phase: 'calibrating';
  iterations: number;
  elapsedMs: number;
}
