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
}

/** The settings the CLI can set, by their command-line name. */
export const SETTING_NAMES = { 'tpm-tcti': 'tpmTcti' } as const;
export type SettingName = keyof typeof SETTING_NAMES;

const TCTI = /^(device|swtpm|mssim|tabrmd|cmd|libtpms|spi-helper)(:[\x20-\x7e]{0,500})?$/;

/** Where the settings live for this user. */
export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'keywarden', 'settings.json');
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
  if (name === 'tpm-tcti' && !TCTI.test(value)) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `A TPM TCTI is a name such as device, swtpm or tabrmd with an optional ":configuration" (for example device:/dev/tpmrm0); got "${value.slice(0, 80)}".`,
    );
  }
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
  const { tpmTcti } = parsed as Record<string, unknown>;
  if (tpmTcti !== undefined && (typeof tpmTcti !== 'string' || !TCTI.test(tpmTcti)))
    throw malformed();
  return tpmTcti === undefined ? {} : { tpmTcti };
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
      ErrorCode.BAD_REQUEST,
      `The settings file ${path} cannot be written.`,
      {
        cause: error,
      },
    );
  }
}
