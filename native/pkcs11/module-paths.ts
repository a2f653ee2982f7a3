import { existsSync, realpathSync } from 'node:fs';

// Where PKCS#11 modules usually live: SoftHSM2, OpenSC, Yubico's ykcs11 and tpm2-pkcs11, on
// Linux (Debian/Ubuntu and Fedora layouts), macOS (Homebrew and the vendors' installers) and
// Windows. Only the files that exist are offered; configured paths come first.

const USUAL: Readonly<Record<string, readonly string[]>> = {
  linux: [
    '/usr/lib/softhsm/libsofthsm2.so',
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/lib64/pkcs11/libsofthsm2.so',
    '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
    '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
    '/usr/lib64/opensc-pkcs11.so',
    '/usr/lib/x86_64-linux-gnu/libykcs11.so.2',
    '/usr/lib/aarch64-linux-gnu/libykcs11.so.2',
    '/usr/lib64/libykcs11.so.2',
    '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so',
    '/usr/lib/aarch64-linux-gnu/pkcs11/libtpm2_pkcs11.so',
    '/usr/lib64/pkcs11/libtpm2_pkcs11.so',
  ],
  darwin: [
    '/opt/homebrew/lib/softhsm/libsofthsm2.so',
    '/usr/local/lib/softhsm/libsofthsm2.so',
    '/Library/OpenSC/lib/opensc-pkcs11.so',
    '/opt/homebrew/lib/opensc-pkcs11.so',
    '/opt/homebrew/lib/libykcs11.dylib',
    '/usr/local/lib/libykcs11.dylib',
  ],
  win32: [
    'C:\\SoftHSM2\\lib\\softhsm2-x64.dll',
    'C:\\Windows\\System32\\opensc-pkcs11.dll',
    'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll',
    'C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll',
  ],
};

/** A module's real file, so one library reached through a symlink is loaded once. */
export function realFile(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // missing: kept as given, so its failure names the path the user wrote
  }
}

/** The configured modules, then the usual ones present on this machine, each file once. */
export function modulePaths(
  configured: readonly string[],
  options: { usual?: boolean; platform?: NodeJS.Platform } = {},
): string[] {
  const usual =
    options.usual === false
      ? []
      : (USUAL[options.platform ?? process.platform] ?? []).filter((path) => existsSync(path));
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const path of [...configured, ...usual]) {
    const file = realFile(path);
    if (seen.has(file)) continue;
    seen.add(file);
    paths.push(path);
  }
  return paths;
}
