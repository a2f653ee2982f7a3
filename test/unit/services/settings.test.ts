import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkSettingValue,
  loadSettings,
  saveSettings,
  settingName,
  settingsPath,
  tctiAllowed,
} from '../../../electron/services/settings.ts';

// The settings file: where it lives, which TCTIs it may hold, and that a malformed or
// unwritable file is a coded error rather than a crash or a silent default.

const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-settings-unit-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('settings', () => {
  it('live under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(settingsPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/keywarden/settings.json');
    expect(settingsPath({})).toMatch(/\/\.config\/keywarden\/settings\.json$/);
  });

  it.each([
    ['device:/dev/tpmrm0', true],
    ['device', true],
    ['tabrmd:bus_name=com.intel.tss2.Tabrmd', true],
    ['swtpm:host=127.0.0.1,port=2321', true],
    ['mssim:host=localhost,port=2321', true],
    ['cmd:tpm2_send', false],
    ['/tmp/libtss2-tcti-evil.so', false],
    ['libtss2-tcti-device.so.0:/dev/tpm0', false],
    ['libtpms', false],
    ['device:\n/dev/tpm0', false],
    [`device:${'x'.repeat(501)}`, false],
  ])('TCTI %j allowed: %s', (tcti, allowed) => {
    expect(tctiAllowed(tcti)).toBe(allowed);
  });

  it('refuse unknown names and bad values with BAD_REQUEST', () => {
    expect(codeOf(() => settingName('colour'))).toBe('BAD_REQUEST');
    expect(codeOf(() => settingName('__proto__'))).toBe('BAD_REQUEST');
    expect(codeOf(() => checkSettingValue('tpm-tcti', 'cmd:x'))).toBe('BAD_REQUEST');
    expect(codeOf(() => checkSettingValue(settingName('tpm-tcti'), 'device'))).toBe('OK');
  });

  it('round-trip through an owner-only file; none is no settings', () => {
    const path = join(temp(), 'keywarden', 'settings.json');
    expect(loadSettings(path)).toEqual({});
    saveSettings({ tpmTcti: 'swtpm:port=1' }, path);
    expect(loadSettings(path)).toEqual({ tpmTcti: 'swtpm:port=1' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a TCTI that runs a program', JSON.stringify({ tpmTcti: 'cmd:touch x' })],
    ['a TCTI that is not a string', JSON.stringify({ tpmTcti: 7 })],
  ])('a file holding %s is SETTINGS_INVALID', (_name, text) => {
    const path = join(temp(), 'settings.json');
    writeFileSync(path, text);
    expect(codeOf(() => loadSettings(path))).toBe('SETTINGS_INVALID');
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('a folder that cannot be written is SETTINGS_INVALID', () => {
    const file = join(temp(), 'a-file');
    writeFileSync(file, '');
    expect(codeOf(() => saveSettings({}, join(file, 'settings.json')))).toBe('SETTINGS_INVALID');
  });
});
