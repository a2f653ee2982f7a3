import { ExitCode } from '../shared/errors.ts';
import {
  checkSettingValue,
  loadSettings,
  saveSettings,
  SETTING_NAMES,
  settingName,
  settingsPath,
} from '../services/settings.ts';
import type { ParsedOptions } from './arguments.ts';
import type { CliIo } from './main.ts';

// `settings show|set|unset`: this OS user's settings file. A bad name or value is refused
// with BAD_REQUEST and the file is left as it was.

/** Runs a settings command; returns null for any other command. Throws BAD_REQUEST. */
export function runSettingsCommand(
  name: string,
  options: ParsedOptions,
  operands: Record<string, string>,
  io: CliIo,
): number | null {
  const path = settingsPath();
  switch (name) {
    case 'settings show': {
      const settings = loadSettings(path);
      io.out(
        options.json
          ? `${JSON.stringify({ path, settings })}\n`
          : `Settings (${path}):\n  tpm-tcti: ${settings.tpmTcti ?? '(not set: KEYWARDEN_TPM_TCTI, else device:/dev/tpmrm0)'}\n`,
      );
      return ExitCode.OK;
    }
    case 'settings set':
    case 'settings unset': {
      const setting = settingName(operands.NAME ?? '');
      const value = operands.VALUE ?? '';
      if (name === 'settings set') checkSettingValue(setting, value);
      const settings = loadSettings(path);
      const key = SETTING_NAMES[setting];
      if (name === 'settings set') settings[key] = value;
      else delete settings[key];
      saveSettings(settings, path);
      io.out(name === 'settings set' ? `Set ${setting} to ${value}.\n` : `Removed ${setting}.\n`);
      return ExitCode.OK;
    }
    default:
      return null;
  }
}
