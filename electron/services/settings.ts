import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';

// This OS user's settings: a small JSON file in the config folder
// ($XDG_CONFIG_HOME/keywarden/settings.json, else ~/.config/keywarden/settings.json). Nothing in
// it is secret. It is written to a temporary name and renamed into place, so a crash leaves
// the old file or the new one, never half of one.

export interface Settings {
  /** The TPM's TCTI (the --tpm-tcti option and KEYWARDEN_TPM_TCTI come first). */
  tpmTcti?: string;
  /** Minutes of no input before the app locks the vault (0: never); the app's default when absent. */
  autoLockMinutes?: number;
  /** The vault file the app opens; the app's default place when absent. */
  vaultPath?: string;
}

/** The settings the CLI can set, by their command-line name. */
export const SETTING_NAMES = { 'tpm-tcti': 'tpmTcti' } as const;
export type SettingName = keyof typeof SETTING_NAMES;

/**
 * The TCTIs Keywarden lets the loader open: the kernel's device (direct or through its resource
 * manager), the tpm2-abrmd daemon, and the simulators' sockets. A TCTI string can also name a
 * shared library by path, or `cmd:` to run a program, so only these names are let through:
 * otherwise a setting or an environment variable could make Keywarden load code.
 */
const TCTI = /^(device|tabrmd|swtpm|mssim)(:[\x20-\x7e]{0,500})?$/;

/** Whether `tcti` is one Keywarden may open. */
export function tctiAllowed(tcti: string): boolean {
  return TCTI.test(tcti);
}

/** Checks a TCTI from an option, the environment or the settings. Throws BAD_REQUEST. */
export function checkTcti(tcti: string, from: string): void {
  if (!tctiAllowed(tcti)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The TPM TCTI from ${from} is not one Keywarden opens: use device (device:/dev/tpmrm0), tabrmd, swtpm or mssim with an optional ":configuration"; got "${tcti.slice(0, 80)}".`,
    );
  }
}

/** Where the settings live for this user. */
export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'keywarden', 'settings.json');
}

/** Where a vault lives when nothing says otherwise: $XDG_DATA_HOME/keywarden/vault.kw, else ~/.local/share/keywarden/vault.kw. */
export function defaultVaultPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'keywarden', 'vault.kw');
}

/** Checks a setting's name; returns it typed. Throws BAD_REQUEST. */
export function settingName(name: string): SettingName {
  if (!Object.hasOwn(SETTING_NAMES, name)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `There is no setting "${name.slice(0, 80)}"; known: ${Object.keys(SETTING_NAMES).join(', ')}.`,
    );
  }
  return name as SettingName;
}

/** Checks a setting's value. Throws BAD_REQUEST. */
export function checkSettingValue(name: SettingName, value: string): void {
  if (name === 'tpm-tcti') checkTcti(value, 'the command line');
}

/** Reads the settings; none when the file does not exist. Throws SETTINGS_INVALID for a malformed or unreadable file. */
export function loadSettings(path: string = settingsPath()): Settings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new KeywardenError(
      ErrorCode.SETTINGS_INVALID,
      `The settings file ${path} cannot be read.`,
      {
        cause: error,
      },
    );
  }
  const malformed = () =>
    new KeywardenError(
      ErrorCode.SETTINGS_INVALID,
      `The settings file ${path} is malformed; fix it or delete it to start afresh.`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed();
  const { tpmTcti, autoLockMinutes, vaultPath } = parsed as Record<string, unknown>;
  if (tpmTcti !== undefined && (typeof tpmTcti !== 'string' || !TCTI.test(tpmTcti)))
    throw malformed();
  if (autoLockMinutes !== undefined && !autoLockMinutesAllowed(autoLockMinutes)) throw malformed();
  if (vaultPath !== undefined && !vaultPathAllowed(vaultPath)) throw malformed();
  return {
    ...(tpmTcti === undefined ? {} : { tpmTcti }),
    ...(autoLockMinutes === undefined ? {} : { autoLockMinutes }),
    ...(vaultPath === undefined ? {} : { vaultPath }),
  };
}

/** Whether `path` can name a vault file: a non-empty string of at most 4096 characters. */
function vaultPathAllowed(path: unknown): path is string {
  return typeof path === 'string' && path.length > 0 && path.length <= 4096;
}

/** Whether `minutes` is an idle-lock time the app accepts: a whole number of minutes up to a day. */
function autoLockMinutesAllowed(minutes: unknown): minutes is number {
  return Number.isInteger(minutes) && (minutes as number) >= 0 && (minutes as number) <= 24 * 60;
}

/** Writes the settings atomically (owner-only). Throws SETTINGS_INVALID when the folder cannot be written. */
export function saveSettings(settings: Settings, path: string = settingsPath()): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    throw new KeywardenError(
      ErrorCode.SETTINGS_INVALID,
      `The settings file ${path} cannot be written.`,
      {
        cause: error,
      },
    );
  }
}
