import { createRequire } from 'node:module';

// Process-wide hardening that Node has no API for, through the project's N-API addon
// (native/process/addon). The Electron main process calls disableCoreDumps() first thing at
// startup, before any key material exists and before Chromium starts its child processes (they
// inherit the limit), and logs one warning line when the result is not ok.
//
// Nothing here throws: a machine where the addon is not built still runs Keywarden, with core
// dumps as the OS configures them and a warning that says what to install.

/**
 * What disableCoreDumps() did. `applicable: false` is a platform with no core files to turn
 * off (Windows); `reason` says why, for a log line.
 */
export type CoreDumpsResult =
  | { ok: true; applicable: true }
  | { ok: true; applicable: false; reason: string }
  | { ok: false; reason: string };

/** The built addon, relative to this file (node-gyp's Release output). */
export const PROCESS_ADDON_FILE = './addon/build/Release/keywarden_process.node';

/** The addon's exports (native/process/addon/src/addon.cc). */
interface ProcessAddon {
  disableCoreDumps(): unknown;
}

const HOW_TO_BUILD =
  'install a C++ toolchain (g++, make and python3; Xcode command line tools on macOS; Visual Studio Build Tools on Windows), then run `npm run postinstall`';

/** The first line of whatever a failed require threw, without the require stack. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

/** Checks the addon's reply against the shape addon.cc builds; anything else is a failure. */
function toResult(reply: unknown): CoreDumpsResult {
  if (typeof reply === 'object' && reply !== null) {
    const { ok, applicable, reason } = reply as Record<string, unknown>;
    if (ok === true && applicable === true) return { ok: true, applicable: true };
    if (ok === true && applicable === false && typeof reason === 'string') {
      return { ok: true, applicable: false, reason };
    }
    if (ok === false && typeof reason === 'string') return { ok: false, reason };
  }
  return { ok: false, reason: 'the process addon gave a reply of an unknown shape' };
}

/**
 * disableCoreDumps() through the addon at `addonFile` (resolved against this module's
 * folder). Exported for tests, which name a file that does not exist; the app calls
 * disableCoreDumps(). Never throws.
 */
export function disableCoreDumpsWith(addonFile: string): CoreDumpsResult {
  let addon: ProcessAddon;
  try {
    // Loaded on first call, not at import, so that importing this module never fails. Node's
    // require cache keeps the loaded addon; a failed load is retried, which costs nothing at
    // the one call the app makes.
    addon = createRequire(import.meta.url)(addonFile) as ProcessAddon;
  } catch (error) {
    return {
      ok: false,
      reason: `the process addon is not built (${firstLine(error)}); ${HOW_TO_BUILD}`,
    };
  }
  try {
    return toResult(addon.disableCoreDumps());
  } catch (error) {
    return { ok: false, reason: `the process addon failed: ${firstLine(error)}` };
  }
}

/**
 * Turns core dumps off for this process and every process it starts afterwards: on POSIX
 * systems both the soft and the hard RLIMIT_CORE become 0, so nothing in the process can raise
 * them again. On Windows there are no core files, and the result says it is not applicable.
 * Never throws (no error codes): a failure, including an addon that is not built, is
 * `{ ok: false, reason }` for the caller to log.
 */
export function disableCoreDumps(): CoreDumpsResult {
  return disableCoreDumpsWith(PROCESS_ADDON_FILE);
}
