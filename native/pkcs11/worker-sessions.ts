import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { TokenObjectView, TokenView } from '../../electron/shared/token-types.ts';
import { tokenError } from './ckr-errors.ts';
import type { TokenRef } from './pkcs11.ts';
import type { Constants } from './token-objects.ts';
import { attribute, describeObject } from './token-objects.ts';
import type { PresentToken } from './worker-tokens.ts';
import {
  isToken,
  lastLook,
  presentTokens,
  real,
  reinitialise,
  requireModule,
  tokenView,
} from './worker-tokens.ts';

// The PKCS#11 worker's sessions: finding a call's token, logging in (once, never retried,
// the final try only when asked), sessions opened and closed per call, and held sessions.
//
// Signing, verifying, encrypting, decrypting and wrapping run in a held session: one
// read-only session per token, logged in as the user, kept while it is in use and closed
// after HOLD_IDLE_MS without use (and before any other call on that token, any
// re-initialisation, and on close). Each call still brings the PIN: a call whose PIN does not
// match the one the session was opened with (compared as HMACs under a key that never leaves
// this thread) closes it and logs in afresh, so the card judges every new PIN and a wrong
// one is never let through. This keeps a login (a key derivation on most tokens) and a key
// lookup out of every signature. Worker thread only.

const c = createRequire(import.meta.url)('pkcs11js') as Constants;

/** Sessions opened by the call in progress (held sessions are not counted). */
let openSessions = 0;

/**
 * Finalises and initialises every module again, so it sees the tokens present now. Some
 * modules (SoftHSM2 among them) build their slot list only at C_Initialize and offer no slot
 * events; re-initialising between calls, when no call has a session open, is how their
 * tokens coming and going are noticed. Held sessions are closed first.
 */
export function refresh(): void {
  // Finalising closes every session: never while a call has one open.
  if (openSessions > 0) return;
  releaseAll();
  reinitialise();
}

export function findToken(ref: TokenRef): PresentToken {
  requireModule(ref.module);
  const matches = (token: PresentToken) => isToken(ref, token);
  // A token inserted since the last look is found after a refresh, with no restart.
  let match = lastLook().find(matches) ?? presentTokens().find(matches);
  if (!match) {
    refresh();
    match = presentTokens().find(matches);
  }
  if (!match) {
    throw new KeywardenError(
      ErrorCode.TOKEN_NOT_PRESENT,
      `Token ${ref.serial} is not present; insert it (or check the module ${ref.module || 'list'}).`,
    );
  }
  return match;
}

/**
 * The PIN as the string pkcs11js needs, decoded straight from the transferred bytes (no copy
 * in Node's shared buffer pool); the bytes are zeroed when the request is done, the string
 * lives for the call.
 */
export function pinText(pin: ArrayBuffer): string {
  return new TextDecoder().decode(new Uint8Array(pin));
}

export type Login = { pin: ArrayBuffer; userType: number };

/**
 * Logs `session` in with `login.pin` as `login.userType`, once: never retried (a retry can
 * lock a card). A PIN that is locked is not tried; one on its final try only when the caller
 * said so (ref.acceptFinalTry), since a mistake then locks the card. A wrong PIN says how
 * many tries remain, as far as the token's flags tell.
 */
function logIn(
  token: PresentToken,
  session: Pkcs11.Handle,
  login: Login,
  ref: TokenRef,
  context: { operation: string; token: string },
): void {
  const so = login.userType === c.CKU_SO;
  const pinOf = (view: TokenView) => (so ? view.soPin : view.userPin);
  guardPin(token, login.userType, ref, context.token);
  try {
    lib(token).C_Login(session, login.userType, pinText(login.pin));
  } catch (error) {
    // The token tells how many tries remain only through its flags.
    let triesLeft: 'low' | 'final' | null = null;
    try {
      const after = pinOf(tokenView(token.module, token.slot));
      triesLeft = after.finalTry ? 'final' : after.countLow ? 'low' : null;
    } catch {
      // The token is gone; the login error says enough.
    }
    // Named as the login, with its PIN, not as the call it was for ("list objects" before a
    // generation), so a person knows which PIN the token refused.
    const operation = `the ${so ? 'SO PIN' : 'user PIN'} login`;
    throw tokenError(error, { ...context, operation, triesLeft });
  }
}

/**
 * Refuses, before any PIN reaches the token, a PIN the token reports locked (PIN_LOCKED),
 * and one on its final try unless the caller accepted that (PIN_FINAL_TRY). For C_SetPIN,
 * which checks the old PIN itself, as much as for C_Login.
 */
export function guardPin(
  token: PresentToken,
  userType: number,
  ref: TokenRef,
  name: string = tokenName(token.view),
): void {
  const so = userType === c.CKU_SO;
  const view = tokenView(token.module, token.slot);
  const before = so ? view.soPin : view.userPin;
  const context = { token: name };
  const who = so ? 'security officer' : 'user';
  if (before.locked) {
    throw new KeywardenError(
      ErrorCode.PIN_LOCKED,
      so
        ? `The SO PIN of token "${context.token}" is locked; only re-initialising the token (which erases it) or the vendor's tool can recover it.`
        : `The user PIN of token "${context.token}" is locked. The security officer unblocks it with \`keywarden tokens unblock-pin\`, which sets a new user PIN with the SO PIN.`,
    );
  }
  if (before.finalTry && ref.acceptFinalTry !== true) {
    throw new KeywardenError(
      ErrorCode.PIN_FINAL_TRY,
      `The ${who} PIN of token "${context.token}" has one try left: a wrong PIN now locks it. Nothing was tried; check the PIN and run again with --final-try to use that try.`,
    );
  }
}

export const lib = (token: PresentToken) => token.module.lib;
const tokenName = (view: TokenView) => `${view.label} (${view.serial})`;

/**
 * Opens a session on the token, logs in with `login` (see logIn), runs `use`, and logs out
 * and closes whatever happens. A held session on the token is closed first: a token has one
 * login state per application, which this call's login must not find taken.
 */
export function withSession<T>(
  ref: TokenRef,
  login: Login | null,
  operation: string,
  use: (lib: Pkcs11.PKCS11, session: Pkcs11.Handle) => T,
  access: 'read' | 'write' = 'read',
): T {
  const token = findToken(ref);
  release(heldKey(token));
  const context = { operation, token: tokenName(token.view) };
  let session: Pkcs11.Handle;
  try {
    // Read-only unless the call changes the token, so a write-protected card still signs.
    const flags = c.CKF_SERIAL_SESSION | (access === 'write' ? c.CKF_RW_SESSION : 0);
    session = lib(token).C_OpenSession(token.slot, flags);
  } catch (error) {
    throw tokenError(error, context);
  }
  openSessions += 1;
  let loggedIn = false;
  try {
    if (login) {
      logIn(token, session, login, ref, context);
      loggedIn = true;
    }
    try {
      return use(lib(token), session);
    } catch (error) {
      throw tokenError(error, context);
    }
  } finally {
    if (loggedIn) {
      try {
        lib(token).C_Logout(session);
      } catch {
        // Closing the session logs out too.
      }
    }
    try {
      lib(token).C_CloseSession(session);
    } catch {
      // A removed token has closed it already.
    }
    openSessions -= 1;
  }
}

export interface HeldKey {
  handle: Pkcs11.Handle;
  /** CKA_ALWAYS_AUTHENTICATE: the key wants the PIN again for every use. */
  alwaysAuthenticate: boolean;
}

export interface HeldSession {
  token: PresentToken;
  session: Pkcs11.Handle;
  /** HMAC of the PIN it was logged in with, under pinKey. */
  verifier: Buffer;
  /** Key handles found in it, by class and CKA_ID. */
  keys: Map<string, HeldKey>;
  lastUsed: number;
  openedAt: number;
}

/** How long a held session stays open without use. */
export const HOLD_IDLE_MS = 2000;
/**
 * How long a held session lives however busy: a PIN changed or locked by another program is
 * judged by the token again within this time (use does not extend it).
 */
export const HOLD_MAX_MS = 10_000;
/** The key PINs are compared under; random per worker, never leaves this thread. */
const pinKey = randomBytes(32);
export const held = new Map<string, HeldSession>();
export const heldKey = (token: PresentToken) => `${real(token.module.path)}\n${token.view.serial}`;
const verifierOf = (pin: ArrayBuffer) =>
  createHmac('sha256', pinKey).update(new Uint8Array(pin)).digest();

/** Logs out and closes the held session under `key`, if any. */
export function release(key: string): void {
  const entry = held.get(key);
  if (!entry) return;
  held.delete(key);
  try {
    lib(entry.token).C_Logout(entry.session);
  } catch {
    // Closing logs out too.
  }
  try {
    lib(entry.token).C_CloseSession(entry.session);
  } catch {
    // A removed token has closed it already.
  }
}

export function releaseAll(): void {
  for (const key of [...held.keys()]) release(key);
}

/**
 * Runs `use` in the token's held session, logged in as the user with `pin`: the one already
 * open when it was opened with the same PIN, else a new one (and the old closed). A failure
 * the token reports closes the session, so the next call starts clean.
 */
export function withHeldSession<T>(
  ref: TokenRef,
  pin: ArrayBuffer,
  operation: string,
  use: (session: HeldSession, context: { operation: string; token: string }) => T,
): T {
  const token = findToken(ref);
  const key = heldKey(token);
  const context = { operation, token: tokenName(token.view) };
  const verifier = verifierOf(pin);
  let entry = held.get(key);
  if (
    entry &&
    (!timingSafeEqual(entry.verifier, verifier) || Date.now() - entry.openedAt >= HOLD_MAX_MS)
  ) {
    release(key);
    entry = undefined;
  }
  if (!entry) {
    let session: Pkcs11.Handle;
    try {
      session = lib(token).C_OpenSession(token.slot, c.CKF_SERIAL_SESSION);
    } catch (error) {
      throw tokenError(error, context);
    }
    try {
      logIn(token, session, { pin, userType: c.CKU_USER }, ref, context);
    } catch (error) {
      try {
        lib(token).C_CloseSession(session);
      } catch {
        // Gone with the token.
      }
      throw error;
    }
    entry = {
      token,
      session,
      verifier,
      keys: new Map(),
      lastUsed: Date.now(),
      openedAt: Date.now(),
    };
    held.set(key, entry);
  }
  try {
    return use(entry, context);
  } catch (error) {
    if (!(error instanceof KeywardenError)) release(key);
    throw tokenError(error, context);
  } finally {
    entry.lastUsed = Date.now();
  }
}

/** A key's handle in a held session, found once; KEY_NOT_FOUND when the token has none. */
export function heldKeyHandle(entry: HeldSession, objectClass: number, id: string): HeldKey {
  const cacheKey = `${objectClass}:${id}`;
  let found = entry.keys.get(cacheKey);
  if (!found) {
    const l = lib(entry.token);
    const handle = keyById(l, entry.session, objectClass, id);
    const always = attribute(l, entry.session, handle, c.CKA_ALWAYS_AUTHENTICATE);
    found = { handle, alwaysAuthenticate: always !== null && always[0] === 1 };
    entry.keys.set(cacheKey, found);
  }
  return found;
}

/** The context-specific login a CKA_ALWAYS_AUTHENTICATE key asks for after each C_*Init. */
export function contextLogin(
  entry: HeldSession,
  key: HeldKey,
  pin: ArrayBuffer,
): (() => void) | undefined {
  if (!key.alwaysAuthenticate) return undefined;
  return () => lib(entry.token).C_Login(entry.session, c.CKU_CONTEXT_SPECIFIC, pinText(pin));
}

export function findObjects(
  lib: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  template: Pkcs11.Template,
): Pkcs11.Handle[] {
  lib.C_FindObjectsInit(session, template);
  try {
    const found: Pkcs11.Handle[] = [];
    for (;;) {
      const batch = lib.C_FindObjects(session, 64);
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

export function objectsOn(lib: Pkcs11.PKCS11, session: Pkcs11.Handle): TokenObjectView[] {
  const findPublic = (id: Buffer) =>
    findObjects(lib, session, [
      { type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY },
      { type: c.CKA_ID, value: id },
    ])[0] ?? null;
  return findObjects(lib, session, []).map((object) =>
    describeObject(c, lib, session, object, findPublic),
  );
}

export function keyById(
  lib: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  objectClass: number,
  id: string,
): Pkcs11.Handle {
  const [key] = findObjects(lib, session, [
    { type: c.CKA_CLASS, value: objectClass },
    { type: c.CKA_ID, value: Buffer.from(id, 'hex') },
  ]);
  if (key === undefined) {
    throw new KeywardenError(ErrorCode.KEY_NOT_FOUND, `No key with CKA_ID ${id} on this token.`);
  }
  return key;
}
