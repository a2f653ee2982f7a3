import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import { CLIPBOARD_CLEAR_MS, DEFAULT_AUTO_LOCK_MINUTES } from '../shared/app-types.ts';
import type { AppSettings } from '../shared/app-types.ts';
import type { ServiceEvent } from '../shared/contract.ts';
import type { ChannelHandlers } from './services.ts';
import { loadSettings, saveSettings } from './settings.ts';

// The app's own channels: copying public text to the clipboard, and the settings the app
// shows (the idle-lock time). The clipboard is a port: Electron's in the app, the test
// bridge's own in tests, none in the command line.

/** A clipboard the services may write to. */
export interface ClipboardPort {
  /** Puts `text` on the clipboard, marked as concealed for clipboard managers where the platform has a way. */
  writeConcealed(text: string): Promise<void>;
  /** What the clipboard holds now, as text. */
  readText(): Promise<string>;
  /** Empties the clipboard. */
  clear(): Promise<void>;
}

/**
 * Copies text to a clipboard and takes it back after CLIPBOARD_CLEAR_MS, but only if the
 * clipboard still holds it: what the user copied since is left alone.
 */
export class ClipboardGuard {
  private pending: { text: string; timer: ReturnType<typeof setTimeout> } | null = null;
  private readonly clipboard: ClipboardPort;

  constructor(clipboard: ClipboardPort) {
    this.clipboard = clipboard;
  }

  /** Writes `text` and schedules its clearing; a newer copy replaces the older one's schedule. */
  async copy(text: string): Promise<{ clearsAfterMs: number }> {
    this.cancel();
    await this.clipboard.writeConcealed(text);
    // A clipboard that cannot be read or cleared at that moment keeps the text: nothing to do.
    const timer = setTimeout(() => void this.clearNow().catch(() => undefined), CLIPBOARD_CLEAR_MS);
    timer.unref?.();
    this.pending = { text, timer };
    return { clearsAfterMs: CLIPBOARD_CLEAR_MS };
  }

  /** Clears the clipboard now if it still holds the last copy (on quit). */
  async clearNow(): Promise<void> {
    const pending = this.pending;
    this.cancel();
    if (pending && (await this.clipboard.readText()) === pending.text) await this.clipboard.clear();
  }

  private cancel(): void {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = null;
  }
}

/** Where the settings live, and the vault the app opens when they name none. */
export interface SettingsPlace {
  file: string;
  defaultVaultPath: string;
}

/** The settings as the app shows them: every value filled in. Throws SETTINGS_INVALID. */
export function appSettings(place: SettingsPlace): AppSettings {
  const saved = loadSettings(place.file);
  return {
    autoLockMinutes: saved.autoLockMinutes ?? DEFAULT_AUTO_LOCK_MINUTES,
    vaultPath: saved.vaultPath ?? place.defaultVaultPath,
  };
}

/**
 * The handlers of `clipboard:copy-text`, `settings:show` and `settings:set`. Copying throws
 * CLIPBOARD_UNAVAILABLE where there is no clipboard; the settings channels throw
 * SETTINGS_INVALID for a file that cannot be read or written.
 */
export function appHandlers(
  clipboard: ClipboardGuard | null,
  settings: SettingsPlace,
  emit: (event: ServiceEvent) => void,
): Pick<ChannelHandlers, 'clipboard:copy-text' | 'settings:show' | 'settings:set'> {
  return {
    'clipboard:copy-text': async (request) => {
      if (!clipboard) {
        throw new KeywardenError(
          ErrorCode.CLIPBOARD_UNAVAILABLE,
          'There is no clipboard here; copy the text from the output instead.',
        );
      }
      return clipboard.copy(request.text);
    },
    'settings:show': async () => appSettings(settings),
    'settings:set': async (request) => {
      const changed = {
        ...loadSettings(settings.file),
        ...(request.autoLockMinutes !== undefined
          ? { autoLockMinutes: request.autoLockMinutes }
          : {}),
        ...(request.vaultPath !== undefined ? { vaultPath: request.vaultPath } : {}),
      };
      saveSettings(changed, settings.file);
      const shown = appSettings(settings);
      emit({ name: 'settings:changed', payload: shown });
      return shown;
    },
  };
}
