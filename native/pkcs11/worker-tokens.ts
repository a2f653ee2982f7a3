import { createRequire } from 'node:module';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { TokenList, TokenView } from '../../electron/shared/token-types.ts';
import { tokenError } from './ckr-errors.ts';
import { realFile } from './module-paths.ts';
import type { TokenRef } from './pkcs11.ts';
import type { Constants } from './token-objects.ts';

// The PKCS#11 worker's modules and the tokens they show: loading and initialising each
// module once (a module a key's record names is loaded when first needed), re-initialising
// to see tokens come and go, and each token's view (C_GetTokenInfo). Worker thread only.

const pkcs11js = createRequire(import.meta.url)('pkcs11js') as Constants;
const c = pkcs11js;

export interface LoadedModule {
  path: string;
  lib: Pkcs11.PKCS11;
}

export const modules: LoadedModule[] = [];
/** The modules that failed to load at start, with the reason. */
export const failures: TokenList['failures'] = [];

const trim = (text: string) => text.replace(/[\s\0]+$/u, '');

/** Each module path's real file, looked up once. */
const realFiles = new Map<string, string>();
export function real(path: string): string {
  let file = realFiles.get(path);
  if (file === undefined) {
    file = realFile(path);
    realFiles.set(path, file);
  }
  return file;
}

/** Loads and initialises one module; the reason it cannot be, as words with no secret. */
function loadModule(path: string): LoadedModule | { reason: string } {
  const lib = new pkcs11js.PKCS11();
  try {
    lib.load(path);
  } catch (error) {
    // dlopen's own words say why (missing file, wrong architecture); they hold no secret.
    return { reason: error instanceof Error ? error.message : 'cannot be loaded' };
  }
  try {
    lib.C_Initialize();
  } catch (error) {
    const rv = (error as { code?: unknown }).code;
    if (rv !== c.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      return { reason: tokenError(error, { operation: 'C_Initialize' }).message };
    }
  }
  const loaded = { path, lib };
  modules.push(loaded);
  return loaded;
}

export function load(paths: readonly string[]): void {
  for (const path of paths) {
    const result = loadModule(path);
    if ('reason' in result) failures.push({ module: path, reason: result.reason });
  }
}

/**
 * Makes sure the module at `path` is loaded (a key's record remembers the module its token
 * is reached through, which need not be one configured here). Throws MODULE_LOAD_FAILED
 * with the path and the reason.
 */
export function requireModule(path: string): void {
  if (path === '' || modules.some((m) => real(m.path) === real(path))) return;
  const result = loadModule(path);
  if ('reason' in result) {
    throw new KeywardenError(
      ErrorCode.MODULE_LOAD_FAILED,
      `The PKCS#11 module ${path} cannot be loaded: ${result.reason}`,
    );
  }
}

/**
 * Finalises and initialises every module again, so it sees the tokens present now (every
 * session of this thread ends: see worker-sessions.ts refresh, the only caller).
 */
export function reinitialise(): void {
  finaliseModules('initialise again');
}

/**
 * Finalises every module, then initialises it again or unloads it (on close). A module that
 * lost its device can fail either step: it lists no tokens until a later refresh works.
 */
export function finaliseModules(then: 'initialise again' | 'unload'): void {
  lastSeen = [];
  for (const module of modules) {
    const steps = [
      () => module.lib.C_Finalize(),
      then === 'unload' ? () => module.lib.close() : () => module.lib.C_Initialize(),
    ];
    for (const step of steps) {
      try {
        step();
      } catch {
        // Not initialised (a failed refresh before), or its reader or daemon is gone for now.
      }
    }
  }
}

/** Whether `token` is the one `ref` names (by serial, and module when it names one). */
export function isToken(ref: TokenRef, token: PresentToken): boolean {
  return (
    token.view.serial === ref.serial &&
    (ref.module === '' || real(token.module.path) === real(ref.module))
  );
}

function pinState(flags: number, prefix: 'USER' | 'SO') {
  const flag = (name: string) =>
    (flags & ((c as unknown as Record<string, number>)[name] ?? 0)) !== 0;
  return {
    countLow: flag(`CKF_${prefix}_PIN_COUNT_LOW`),
    finalTry: flag(`CKF_${prefix}_PIN_FINAL_TRY`),
    locked: flag(`CKF_${prefix}_PIN_LOCKED`),
    toBeChanged: flag(`CKF_${prefix}_PIN_TO_BE_CHANGED`),
  };
}

/** CK_UNAVAILABLE_INFORMATION / CK_EFFECTIVELY_INFINITE come through as huge numbers. */
const memory = (value: number) => (value >= 2 ** 32 - 1 || value < 0 ? null : value);

export function tokenView(module: LoadedModule, slot: Pkcs11.Handle): TokenView {
  const info = module.lib.C_GetTokenInfo(slot);
  const flags = info.flags;
  const has = (flag: number) => (flags & flag) !== 0;
  return {
    module: module.path,
    label: trim(info.label),
    serial: trim(info.serialNumber),
    model: trim(info.model),
    manufacturer: trim(info.manufacturerID),
    firmware: `${info.firmwareVersion.major}.${info.firmwareVersion.minor}`,
    hardware: `${info.hardwareVersion.major}.${info.hardwareVersion.minor}`,
    initialized: has(c.CKF_TOKEN_INITIALIZED),
    loginRequired: has(c.CKF_LOGIN_REQUIRED),
    writeProtected: has(c.CKF_WRITE_PROTECTED),
    protectedAuthenticationPath: has(c.CKF_PROTECTED_AUTHENTICATION_PATH),
    userPin: { initialized: has(c.CKF_USER_PIN_INITIALIZED), ...pinState(flags, 'USER') },
    soPin: pinState(flags, 'SO'),
    freePublicMemory: memory(info.freePublicMemory),
    freePrivateMemory: memory(info.freePrivateMemory),
    pinLength: { min: info.minPinLen, max: info.maxPinLen },
  };
}

export interface PresentToken {
  module: LoadedModule;
  slot: Pkcs11.Handle;
  view: TokenView;
}

/**
 * The tokens seen at the last look, so a call finds its token without asking every slot
 * again; emptied by every re-initialisation (slot handles may change), refilled by the next
 * look.
 */
let lastSeen: PresentToken[] = [];
export const lastLook = (): readonly PresentToken[] => lastSeen;

export function presentTokens(): PresentToken[] {
  const found: PresentToken[] = [];
  for (const module of modules) {
    let slots: Pkcs11.Handle[];
    try {
      slots = module.lib.C_GetSlotList(true);
    } catch {
      continue; // a module whose reader went away lists nothing rather than failing the rest
    }
    for (const slot of slots) {
      try {
        found.push({ module, slot, view: tokenView(module, slot) });
      } catch {
        // The token left between the slot list and its info.
      }
    }
  }
  lastSeen = found;
  return found;
}
