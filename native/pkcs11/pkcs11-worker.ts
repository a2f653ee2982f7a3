import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError, toErrorInfo } from '../../electron/shared/errors.ts';
import type { TokenList, TokenObjectView, TokenView } from '../../electron/shared/token-types.ts';
import { tokenError } from './ckr-errors.ts';
import { realFile } from './module-paths.ts';
import type { TokenGenerateRequest, TokenRef, TokenSignRequest } from './pkcs11.ts';
import type { Constants } from './token-objects.ts';
import { attribute, describeObject, generationTemplates, newObjectId } from './token-objects.ts';

// The PKCS#11 worker: the only thread that calls into PKCS#11 modules. It loads and
// initialises each module once, answers the client's requests one at a time (a slow card
// blocks only this thread), polls for tokens coming and going, and finalises on close. PINs
// arrive as transferred bytes and are zeroed once the login is done.

const pkcs11js = createRequire(import.meta.url)('pkcs11js') as Constants;
const c = pkcs11js;

interface LoadedModule {
  path: string;
  lib: Pkcs11.PKCS11;
}

export type WorkerRequest =
  | { id: number; op: 'list' }
  | { id: number; op: 'objects'; token: TokenRef; pin: ArrayBuffer | null }
  | { id: number; op: 'generate'; token: TokenRef; pin: ArrayBuffer; request: TokenGenerateRequest }
  | {
      id: number;
      op: 'sign';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Omit<TokenSignRequest, 'data'> & { data: ArrayBuffer };
    }
  | { id: number; op: 'destroyKeyObjects'; token: TokenRef; pin: ArrayBuffer; keyId: string }
  | { id: number; op: 'changePin'; token: TokenRef; oldPin: ArrayBuffer; newPin: ArrayBuffer }
  | { id: number; op: 'initPin'; token: TokenRef; soPin: ArrayBuffer; newPin: ArrayBuffer }
  | {
      id: number;
      op: 'initToken';
      token: { module: string; serial: string | null };
      soPin: ArrayBuffer;
      userPin: ArrayBuffer;
      label: string;
    }
  | { id: number; op: 'close' };

export type WorkerMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } }
  | { event: 'change'; inserted: TokenView[]; removed: TokenRef[] };

const modules: LoadedModule[] = [];
let openSessions = 0;
const failures: TokenList['failures'] = [];

const trim = (text: string) => text.replace(/[\s\0]+$/u, '');

function load(paths: readonly string[]): void {
  for (const path of paths) {
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(path);
    } catch (error) {
      // dlopen's own words say why (missing file, wrong architecture); they hold no secret.
      failures.push({
        module: path,
        reason: error instanceof Error ? error.message : 'cannot be loaded',
      });
      continue;
    }
    try {
      lib.C_Initialize();
    } catch (error) {
      const rv = (error as { code?: unknown }).code;
      if (rv !== c.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        failures.push({
          module: path,
          reason: tokenError(error, { operation: 'C_Initialize' }).message,
        });
        continue;
      }
    }
    modules.push({ path, lib });
  }
}

/**
 * Finalises and initialises every module again, so it sees the tokens present now. Some
 * modules (SoftHSM2 among them) build their slot list only at C_Initialize and offer no slot
 * events; re-initialising between calls, when no session is open (each call closes its own),
 * is how their tokens coming and going are noticed.
 */
function refresh(): void {
  // Finalising closes every session: never while one is open.
  if (openSessions > 0) return;
  lastSeen = [];
  for (const module of modules) {
    try {
      module.lib.C_Finalize();
    } catch {
      // Not initialised (a failed refresh before): initialise below.
    }
    try {
      module.lib.C_Initialize();
    } catch {
      // Its reader or daemon is gone for now; it lists no tokens until a later refresh works.
    }
  }
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

function tokenView(module: LoadedModule, slot: Pkcs11.Handle): TokenView {
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

interface PresentToken {
  module: LoadedModule;
  slot: Pkcs11.Handle;
  view: TokenView;
}

/**
 * The tokens seen at the last look, so a call finds its token without asking every slot
 * again; emptied by every refresh (slot handles may change), refilled by the next look.
 */
let lastSeen: PresentToken[] = [];

function presentTokens(): PresentToken[] {
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

function findToken(ref: TokenRef): { module: LoadedModule; slot: Pkcs11.Handle; view: TokenView } {
  const matches = (token: { module: LoadedModule; view: TokenView }) =>
    token.view.serial === ref.serial &&
    (ref.module === '' || realFile(token.module.path) === realFile(ref.module));
  // A token inserted since the last look is found after a refresh, with no restart.
  let match = lastSeen.find(matches) ?? presentTokens().find(matches);
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
function pinText(pin: ArrayBuffer): string {
  return new TextDecoder().decode(new Uint8Array(pin));
}

/** Every secret byte a request carried, zeroed once it is answered, whatever happened. */
function zeroRequest(request: WorkerRequest): void {
  for (const value of Object.values(request)) {
    if (value instanceof ArrayBuffer) new Uint8Array(value).fill(0);
  }
}

/**
 * Opens a session on the token, logs in with `pin` as `userType` (never retried: a retry
 * can lock a card), runs `use`, and logs out and closes whatever happens.
 */
function withSession<T>(
  ref: TokenRef,
  login: { pin: ArrayBuffer; userType: number } | null,
  operation: string,
  use: (lib: Pkcs11.PKCS11, session: Pkcs11.Handle) => T,
  access: 'read' | 'write' = 'read',
): T {
  const { module, slot, view } = findToken(ref);
  const lib = module.lib;
  const context = { operation, token: `${view.label} (${view.serial})` };
  let session: Pkcs11.Handle;
  try {
    // Read-only unless the call changes the token, so a write-protected card still signs.
    const flags = c.CKF_SERIAL_SESSION | (access === 'write' ? c.CKF_RW_SESSION : 0);
    session = lib.C_OpenSession(slot, flags);
  } catch (error) {
    throw tokenError(error, context);
  }
  openSessions += 1;
  let loggedIn = false;
  try {
    if (login) {
      try {
        lib.C_Login(session, login.userType, pinText(login.pin));
        loggedIn = true;
      } catch (error) {
        // The token tells how many tries remain only through its flags.
        let triesLeft: 'low' | 'final' | null = null;
        try {
          const after = tokenView(module, slot);
          const pin = login.userType === c.CKU_SO ? after.soPin : after.userPin;
          triesLeft = pin.finalTry ? 'final' : pin.countLow ? 'low' : null;
        } catch {
          // The token is gone; the login error says enough.
        }
        throw tokenError(error, { ...context, triesLeft });
      }
    }
    try {
      return use(lib, session);
    } catch (error) {
      throw tokenError(error, context);
    }
  } finally {
    new Uint8Array(login?.pin ?? new ArrayBuffer(0)).fill(0);
    if (loggedIn) {
      try {
        lib.C_Logout(session);
      } catch {
        // Closing the session logs out too.
      }
    }
    try {
      lib.C_CloseSession(session);
    } catch {
      // A removed token has closed it already.
    }
    openSessions -= 1;
  }
}

function findObjects(
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

function objectsOn(lib: Pkcs11.PKCS11, session: Pkcs11.Handle): TokenObjectView[] {
  const findPublic = (id: Buffer) =>
    findObjects(lib, session, [
      { type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY },
      { type: c.CKA_ID, value: id },
    ])[0] ?? null;
  return findObjects(lib, session, []).map((object) =>
    describeObject(c, lib, session, object, findPublic),
  );
}

function keyById(
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

/** r || s, as PKCS#11 returns an ECDSA signature, to the DER SEQUENCE OpenSSL reads. */
function ecdsaDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const integer = (bytes: Buffer) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    const trimmed = bytes.subarray(start);
    const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const content = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  const length =
    content.length < 0x80 ? Buffer.from([content.length]) : Buffer.from([0x81, content.length]);
  return Buffer.concat([Buffer.from([0x30]), length, content]);
}

const HASHES = {
  sha256: {
    rsa: 'CKM_SHA256_RSA_PKCS',
    pss: 'CKM_SHA256_RSA_PKCS_PSS',
    hash: 'CKM_SHA256',
    mgf: 'CKG_MGF1_SHA256',
    bytes: 32,
  },
  sha384: {
    rsa: 'CKM_SHA384_RSA_PKCS',
    pss: 'CKM_SHA384_RSA_PKCS_PSS',
    hash: 'CKM_SHA384',
    mgf: 'CKG_MGF1_SHA384',
    bytes: 48,
  },
  sha512: {
    rsa: 'CKM_SHA512_RSA_PKCS',
    pss: 'CKM_SHA512_RSA_PKCS_PSS',
    hash: 'CKM_SHA512',
    mgf: 'CKG_MGF1_SHA512',
    bytes: 64,
  },
} as const;

const constant = (name: string) => (c as unknown as Record<string, number>)[name] ?? -1;

function sign(lib: Pkcs11.PKCS11, session: Pkcs11.Handle, request: TokenSignRequest): Buffer {
  const key = keyById(lib, session, c.CKO_PRIVATE_KEY, request.keyId);
  // Some modules answer a mechanism of the wrong key type with CKR_GENERAL_ERROR; when signing
  // fails, the key's type says whether that was the reason (read only then: it costs a
  // round trip to the card on every signature otherwise).
  const out = Buffer.alloc(1024);
  const signWith = (mechanism: Pkcs11.Mechanism, input: Buffer): Buffer => {
    try {
      lib.C_SignInit(session, mechanism, key);
      return Buffer.from(lib.C_Sign(session, input, out));
    } catch (error) {
      const keyType = attribute(lib, session, key, c.CKA_KEY_TYPE)?.readUInt32LE(0);
      const expected = request.algorithm.startsWith('rsa') ? c.CKK_RSA : c.CKK_EC;
      if (keyType !== undefined && keyType !== expected) {
        throw new KeywardenError(
          ErrorCode.KEY_PURPOSE_MISMATCH,
          `Key ${request.keyId} on the token is not a${expected === c.CKK_RSA ? 'n RSA' : 'n EC'} key; it cannot sign as ${request.algorithm}.`,
        );
      }
      throw error;
    }
  };
  const scheme = HASHES[request.hash];
  const data = Buffer.from(request.data);
  if (request.algorithm === 'p256' || request.algorithm === 'p384') {
    // CKM_ECDSA over a digest made here: every token has it, not every token the hashing forms.
    const digest = createHash(request.hash).update(data).digest();
    return ecdsaDer(signWith({ mechanism: c.CKM_ECDSA }, digest));
  }
  if (request.algorithm === 'aes256') {
    throw new KeywardenError(ErrorCode.KEY_PURPOSE_MISMATCH, 'An AES key does not sign.');
  }
  const mechanism =
    request.rsaPadding === 'pss'
      ? {
          mechanism: constant(scheme.pss),
          parameter: {
            type: c.CK_PARAMS_RSA_PSS,
            hashAlg: constant(scheme.hash),
            mgf: constant(scheme.mgf),
            saltLen: scheme.bytes,
          },
        }
      : { mechanism: constant(scheme.rsa) };
  return signWith(mechanism, data);
}

function generate(
  lib: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  request: TokenGenerateRequest,
): TokenObjectView {
  const id = request.id ? Buffer.from(request.id, 'hex') : newObjectId();
  const templates = generationTemplates(
    c,
    request.algorithm,
    request.label,
    id,
    request.extractable === true,
  );
  if (templates.public) {
    lib.C_GenerateKeyPair(
      session,
      { mechanism: templates.mechanism },
      templates.public,
      templates.private,
    );
  } else {
    lib.C_GenerateKey(session, { mechanism: templates.mechanism }, templates.private);
  }
  const objectClass = templates.public ? 'private-key' : 'secret-key';
  const made = objectsOn(lib, session).find(
    (o) => o.id === id.toString('hex') && o.class === objectClass,
  );
  if (!made)
    throw new KeywardenError(
      ErrorCode.TOKEN_FAILED,
      'The token did not keep the key it generated.',
    );
  return made;
}

function handle(request: WorkerRequest): unknown {
  switch (request.op) {
    case 'list':
      refresh();
      return {
        tokens: presentTokens().map((t) => t.view),
        modules: modules.map((m) => m.path),
        failures,
      } satisfies TokenList;
    case 'objects':
      return withSession(
        request.token,
        request.pin ? { pin: request.pin, userType: c.CKU_USER } : null,
        'list objects',
        (lib, session) => objectsOn(lib, session),
      );
    case 'generate':
      return withSession(
        request.token,
        { pin: request.pin, userType: c.CKU_USER },
        'generate a key',
        (lib, session) => generate(lib, session, request.request),
        'write',
      );
    case 'sign':
      return withSession(
        request.token,
        { pin: request.pin, userType: c.CKU_USER },
        'sign',
        (lib, session) =>
          sign(lib, session, { ...request.request, data: new Uint8Array(request.request.data) }),
      );
    case 'changePin':
      // In a read-write public session C_SetPIN checks the old PIN itself: presented once.
      return withSession(
        request.token,
        null,
        'change the PIN',
        (lib, session) => {
          lib.C_SetPIN(session, pinText(request.oldPin), pinText(request.newPin));
        },
        'write',
      );
    case 'initPin':
      return withSession(
        request.token,
        { pin: request.soPin, userType: c.CKU_SO },
        'set the user PIN',
        (lib, session) => {
          lib.C_InitPIN(session, pinText(request.newPin));
        },
        'write',
      );
    case 'destroyKeyObjects':
      return withSession(
        request.token,
        { pin: request.pin, userType: c.CKU_USER },
        'destroy a key',
        (lib, session) => {
          let count = 0;
          for (const objectClass of [c.CKO_PRIVATE_KEY, c.CKO_PUBLIC_KEY, c.CKO_SECRET_KEY]) {
            const found = findObjects(lib, session, [
              { type: c.CKA_CLASS, value: objectClass },
              { type: c.CKA_ID, value: Buffer.from(request.keyId, 'hex') },
            ]);
            for (const object of found) {
              lib.C_DestroyObject(session, object);
              count += 1;
            }
          }
          return count;
        },
        'write',
      );
    case 'initToken':
      return initToken(request.token, request.soPin, request.userPin, request.label);
    case 'close':
      return undefined;
  }
}

function initToken(
  ref: { module: string; serial: string | null },
  soPin: ArrayBuffer,
  userPin: ArrayBuffer,
  label: string,
): TokenView {
  // PKCS#11 reads exactly 32 bytes of label, blank-padded.
  if (Buffer.byteLength(label, 'utf8') > 32 || label.trim() !== label || label.length === 0) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      'A token label is 1 to 32 bytes of UTF-8, without surrounding spaces.',
    );
  }
  refresh();
  const fresh = presentTokens().filter(
    (t) =>
      !t.view.initialized &&
      (ref.module === '' || t.module.path === ref.module) &&
      (ref.serial === null || t.view.serial === ref.serial),
  );
  if (ref.serial !== null && fresh.length === 0) {
    const initialised = presentTokens().some((t) => t.view.serial === ref.serial);
    throw new KeywardenError(
      initialised ? ErrorCode.BAD_REQUEST : ErrorCode.TOKEN_NOT_PRESENT,
      initialised
        ? `Token ${ref.serial} is already initialised; re-initialising would erase its keys outside the destruction flow.`
        : `Token ${ref.serial} is not present.`,
    );
  }
  const target = fresh[0];
  if (!target) {
    throw new KeywardenError(ErrorCode.TOKEN_NOT_PRESENT, 'No uninitialised token is attached.');
  }
  if (fresh.length > 1 && ref.serial === null) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `${fresh.length} uninitialised tokens are attached; name one with --token SERIAL.`,
    );
  }
  // The new token is the one initialised token of the module whose serial was not there
  // before: never matched by label, so the SO PIN goes to no other card.
  const before = new Set(
    presentTokens()
      .filter((t) => t.module === target.module && t.view.initialized)
      .map((t) => t.view.serial),
  );
  try {
    target.module.lib.C_InitToken(target.slot, pinText(soPin), label.padEnd(32, ' '));
  } catch (error) {
    throw tokenError(error, { operation: 'initialise the token', token: '(new)' });
  }
  refresh();
  const made = presentTokens().filter(
    (t) => t.module === target.module && t.view.initialized && !before.has(t.view.serial),
  );
  const only = made.length === 1 ? made[0] : undefined;
  if (!only) {
    throw new KeywardenError(
      ErrorCode.TOKEN_FAILED,
      'The token was initialised but could not be told apart from the others; set its user PIN with "keywarden tokens unblock-pin".',
    );
  }
  withSession(
    { module: only.module.path, serial: only.view.serial },
    { pin: soPin, userType: c.CKU_SO },
    'set the user PIN',
    (lib, session) => {
      lib.C_InitPIN(session, pinText(userPin));
    },
    'write',
  );
  return tokenView(only.module, only.slot);
}

// Hot-plug: the serials present per module, compared every second.
let known = new Map<string, TokenView>();
const keyOf = (view: TokenView) => `${view.module}\n${view.serial}`;

function poll(): void {
  refresh();
  const now = new Map(presentTokens().map((t) => [keyOf(t.view), t.view]));
  const inserted = [...now].filter(([key]) => !known.has(key)).map(([, view]) => view);
  const removed = [...known]
    .filter(([key]) => !now.has(key))
    .map(([, view]) => ({ module: view.module, serial: view.serial }));
  known = now;
  if (inserted.length > 0 || removed.length > 0)
    parentPort?.postMessage({ event: 'change', inserted, removed } satisfies WorkerMessage);
}

const { modulePaths, pollMs } = workerData as { modulePaths: string[]; pollMs: number };
load(modulePaths);
known = new Map(presentTokens().map((t) => [keyOf(t.view), t.view]));
const timer = setInterval(poll, pollMs);

parentPort?.on('message', (request: WorkerRequest) => {
  let reply: WorkerMessage;
  try {
    reply = { id: request.id, ok: true, value: handle(request) };
  } catch (error) {
    reply = {
      id: request.id,
      ok: false,
      error: toErrorInfo(
        error instanceof KeywardenError ? error : tokenError(error, { operation: request.op }),
      ),
    };
  } finally {
    zeroRequest(request);
  }
  if (request.op === 'close') {
    clearInterval(timer);
    for (const module of modules) {
      try {
        module.lib.C_Finalize();
      } catch {
        // Finalising a module that lost its device can fail; the process is leaving it anyway.
      }
      try {
        module.lib.close();
      } catch {
        // As above.
      }
    }
  }
  parentPort?.postMessage(reply);
});
