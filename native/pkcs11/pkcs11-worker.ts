import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type * as Pkcs11 from 'pkcs11js';
import { ErrorCode, KeywardenError, toErrorInfo } from '../../electron/shared/errors.ts';
import type { TokenList, TokenObjectView, TokenView } from '../../electron/shared/token-types.ts';
import { tokenError } from './ckr-errors.ts';
import type {
  TokenAgreementRequest,
  TokenCertificateRequest,
  TokenCipherRequest,
  TokenGenerateRequest,
  TokenRef,
  TokenSignManyRequest,
  TokenSignRequest,
  TokenUnwrapRequest,
  TokenVerifyRequest,
  TokenWrapRequest,
} from './pkcs11.ts';
import { checkPeerPoint, deriveSharedSecret } from './token-agreement.ts';
import type { Constants } from './token-objects.ts';
import {
  certificateTemplate,
  describeObject,
  generationTemplates,
  newObjectId,
  unwrapTemplate,
} from './token-objects.ts';
import {
  decryptData,
  encryptData,
  signData,
  unwrapKeyData,
  verifyData,
  wrapKeyData,
} from './token-operations.ts';
import {
  HOLD_IDLE_MS,
  HOLD_MAX_MS,
  contextLogin,
  findObjects,
  findToken,
  guardPin,
  held,
  heldKeyHandle,
  keyById,
  lib,
  objectsOn,
  pinText,
  refresh,
  release,
  releaseAll,
  withHeldSession,
  withSession,
} from './worker-sessions.ts';
import {
  failures,
  finaliseModules,
  isToken,
  load,
  modules,
  presentTokens,
  requireModule,
  tokenView,
} from './worker-tokens.ts';

// The PKCS#11 worker: the only thread that calls into PKCS#11 modules. It answers the
// client's requests one at a time (a slow card blocks only this thread), polls for tokens
// coming and going, and finalises every module on close. Modules and token discovery are in
// worker-tokens.ts, logins and sessions (held ones too) in worker-sessions.ts. PINs arrive as
// transferred bytes and are zeroed once the request is answered.

const c = createRequire(import.meta.url)('pkcs11js') as Constants;

type Bytes<T, K extends keyof T> = Omit<T, K> & { [P in K]: ArrayBuffer };

export type WorkerRequest =
  | { id: number; op: 'list'; modules: string[] }
  | { id: number; op: 'objects'; token: TokenRef; pin: ArrayBuffer | null }
  | { id: number; op: 'generate'; token: TokenRef; pin: ArrayBuffer; request: TokenGenerateRequest }
  | {
      id: number;
      op: 'sign';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Bytes<TokenSignRequest, 'data'>;
    }
  | {
      id: number;
      op: 'signMany';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Omit<TokenSignManyRequest, 'data'> & { data: ArrayBuffer; lengths: number[] };
    }
  | {
      id: number;
      op: 'verify';
      token: TokenRef;
      pin: ArrayBuffer | null;
      request: Bytes<TokenVerifyRequest, 'data' | 'signature'>;
    }
  | {
      id: number;
      op: 'encrypt' | 'decrypt';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Bytes<TokenCipherRequest, 'data' | 'aad'>;
    }
  | {
      id: number;
      op: 'deriveSharedSecret';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Bytes<TokenAgreementRequest, 'peerPublicKey'>;
    }
  | { id: number; op: 'wrapKey'; token: TokenRef; pin: ArrayBuffer; request: TokenWrapRequest }
  | {
      id: number;
      op: 'unwrapKey';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Bytes<TokenUnwrapRequest, 'wrapped'>;
    }
  | {
      id: number;
      op: 'importCertificate';
      token: TokenRef;
      pin: ArrayBuffer;
      request: Bytes<TokenCertificateRequest, 'certificate'>;
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
  | { id: number; op: 'logOutAll' }
  | { id: number; op: 'close' };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } };

/** What the worker posts: answers, in order, or a change in the tokens present. */
export type WorkerMessage =
  WorkerReply[] | { event: 'change'; inserted: TokenView[]; removed: TokenRef[] };

/**
 * Every byte a request carried (PINs, and data that may be plaintext), zeroed once it is
 * answered, whatever happened.
 */
function zeroRequest(request: WorkerRequest): void {
  const inner = 'request' in request ? Object.values(request.request) : [];
  for (const value of [...Object.values(request), ...inner]) {
    if (value instanceof ArrayBuffer) new Uint8Array(value).fill(0);
  }
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

/** The key a wrap takes out: the secret key with this CKA_ID, else the private key. */
function wrapTarget(l: Pkcs11.PKCS11, session: Pkcs11.Handle, id: string): Pkcs11.Handle {
  for (const objectClass of [c.CKO_SECRET_KEY, c.CKO_PRIVATE_KEY]) {
    const [found] = findObjects(l, session, [
      { type: c.CKA_CLASS, value: objectClass },
      { type: c.CKA_ID, value: Buffer.from(id, 'hex') },
    ]);
    if (found !== undefined) return found;
  }
  throw new KeywardenError(ErrorCode.KEY_NOT_FOUND, `No key with CKA_ID ${id} on this token.`);
}

/**
 * Stores a certificate for the key with the request's CKA_ID, after checking that the
 * certificate is for that key (its public key is the key's). Returns the new object.
 */
function importCertificate(
  l: Pkcs11.PKCS11,
  session: Pkcs11.Handle,
  request: Bytes<TokenCertificateRequest, 'certificate'>,
): TokenObjectView {
  const keyId = request.keyId.toLowerCase();
  const objects = objectsOn(l, session).filter((o) => o.id === keyId);
  const keyObject = objects.find((o) => o.class === 'private-key' || o.class === 'public-key');
  if (!keyObject) {
    throw new KeywardenError(
      ErrorCode.KEY_NOT_FOUND,
      `No key with CKA_ID ${keyId} on this token to store the certificate with.`,
    );
  }
  const { template, spki } = certificateTemplate(
    c,
    new Uint8Array(request.certificate),
    request.label ?? keyObject.label,
    Buffer.from(keyId, 'hex'),
  );
  if (keyObject.publicKey === null || !spki.equals(Buffer.from(keyObject.publicKey, 'base64'))) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `The certificate is not for key ${keyId}: its public key is another.`,
    );
  }
  if (objects.some((o) => o.class === 'certificate')) {
    throw new KeywardenError(
      ErrorCode.BAD_REQUEST,
      `Key ${keyId} already has a certificate on this token.`,
    );
  }
  const made = l.C_CreateObject(session, template);
  return describeObject(c, l, session, made, () => null);
}

function handle(request: WorkerRequest): unknown {
  switch (request.op) {
    case 'list': {
      // Modules named for this look (those a vault's token keys remember) join the loaded ones.
      const extra: TokenList['failures'] = [];
      for (const path of request.modules) {
        try {
          requireModule(path);
        } catch (error) {
          extra.push({ module: path, reason: (error as Error).message });
        }
      }
      refresh();
      return {
        tokens: presentTokens().map((t) => t.view),
        modules: modules.map((m) => m.path),
        failures: [...failures, ...extra],
      } satisfies TokenList;
    }
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
      return withHeldSession(request.token, request.pin, 'sign', (entry) => {
        const { data, ...scheme } = request.request;
        const key = heldKeyHandle(entry, c.CKO_PRIVATE_KEY, scheme.keyId);
        return signData(
          c,
          lib(entry.token),
          entry.session,
          key.handle,
          scheme,
          new Uint8Array(data),
          contextLogin(entry, key, request.pin),
        );
      });
    case 'signMany': {
      const { data, lengths, ...scheme } = request.request;
      const all = new Uint8Array(data);
      if (lengths.reduce((sum, n) => sum + n, 0) !== all.length) {
        throw new KeywardenError(ErrorCode.BAD_REQUEST, 'The batch does not add up.');
      }
      return withHeldSession(request.token, request.pin, 'sign a batch', (entry) => {
        const key = heldKeyHandle(entry, c.CKO_PRIVATE_KEY, scheme.keyId);
        const again = contextLogin(entry, key, request.pin);
        let at = 0;
        const signatures = lengths.map((length) => {
          const message = all.subarray(at, at + length);
          at += length;
          return signData(c, lib(entry.token), entry.session, key.handle, scheme, message, again);
        });
        // Back as one buffer and the lengths: one copy across, not one object per signature.
        const packed = Buffer.alloc(signatures.reduce((sum, sig) => sum + sig.length, 0));
        let offset = 0;
        for (const signature of signatures) {
          packed.set(signature, offset);
          offset += signature.length;
        }
        return { signatures: packed, lengths: signatures.map((s) => s.length) };
      });
    }
    case 'verify': {
      const { data, signature, ...scheme } = request.request;
      const verify = (l: Pkcs11.PKCS11, session: Pkcs11.Handle, key: Pkcs11.Handle) =>
        verifyData(c, l, session, key, scheme, new Uint8Array(data), new Uint8Array(signature));
      // A public key is a public object: no PIN needed unless the token hides it.
      if (request.pin === null) {
        return withSession(request.token, null, 'verify', (l, session) =>
          verify(l, session, keyById(l, session, c.CKO_PUBLIC_KEY, scheme.keyId)),
        );
      }
      return withHeldSession(request.token, request.pin, 'verify', (entry) =>
        verify(
          lib(entry.token),
          entry.session,
          heldKeyHandle(entry, c.CKO_PUBLIC_KEY, scheme.keyId).handle,
        ),
      );
    }
    case 'encrypt':
    case 'decrypt': {
      const { keyId, algorithm, oaepHash } = request.request;
      const data = new Uint8Array(request.request.data);
      const aad = new Uint8Array(request.request.aad);
      return withHeldSession(request.token, request.pin, request.op, (entry) => {
        const l = lib(entry.token);
        // AES uses the secret key both ways; RSA encrypts with the public key, decrypts with the private.
        const objectClass =
          algorithm === 'aes256'
            ? c.CKO_SECRET_KEY
            : request.op === 'encrypt'
              ? c.CKO_PUBLIC_KEY
              : c.CKO_PRIVATE_KEY;
        const key = heldKeyHandle(entry, objectClass, keyId);
        if (request.op === 'encrypt') {
          return encryptData(c, l, entry.session, key.handle, algorithm, data, aad, oaepHash);
        }
        // A context-specific login, when the key asks for one, goes after C_DecryptInit.
        const again = contextLogin(entry, key, request.pin);
        return decryptData(c, l, entry.session, key.handle, algorithm, data, aad, oaepHash, again);
      });
    }
    case 'deriveSharedSecret': {
      const { keyId } = request.request;
      const point = new Uint8Array(request.request.peerPublicKey);
      checkPeerPoint(point); // a malformed point is refused before the PIN reaches the token
      return withHeldSession(request.token, request.pin, 'derive a shared secret', (entry) => {
        const key = heldKeyHandle(entry, c.CKO_PRIVATE_KEY, keyId);
        const again = contextLogin(entry, key, request.pin);
        return deriveSharedSecret(
          c,
          lib(entry.token),
          entry.session,
          key.handle,
          keyId,
          point,
          again,
        );
      });
    }
    case 'wrapKey':
      return withHeldSession(request.token, request.pin, 'wrap a key', (entry) => {
        const { wrappingKeyId, algorithm, keyId, oaepHash } = request.request;
        const wrapping = heldKeyHandle(
          entry,
          algorithm === 'aes256' ? c.CKO_SECRET_KEY : c.CKO_PUBLIC_KEY,
          wrappingKeyId,
        );
        const l = lib(entry.token);
        const target = wrapTarget(l, entry.session, keyId);
        return wrapKeyData(c, l, entry.session, wrapping.handle, algorithm, target, oaepHash);
      });
    case 'unwrapKey':
      return withSession(
        request.token,
        { pin: request.pin, userType: c.CKU_USER },
        'unwrap a key',
        (l, session) => {
          const { unwrappingKeyId, algorithm, label, extractable, oaepHash } = request.request;
          const unwrapping = keyById(
            l,
            session,
            algorithm === 'aes256' ? c.CKO_SECRET_KEY : c.CKO_PRIVATE_KEY,
            unwrappingKeyId,
          );
          const id = request.request.id ? Buffer.from(request.request.id, 'hex') : newObjectId();
          const template = unwrapTemplate(c, label, id, extractable === true);
          const made = unwrapKeyData(
            c,
            l,
            session,
            unwrapping,
            algorithm,
            new Uint8Array(request.request.wrapped),
            template,
            oaepHash,
          );
          return describeObject(c, l, session, made, () => null);
        },
        'write',
      );
    case 'importCertificate':
      return withSession(
        request.token,
        { pin: request.pin, userType: c.CKU_USER },
        'store a certificate',
        (l, session) => importCertificate(l, session, request.request),
        'write',
      );
    case 'changePin':
      // In a read-write public session C_SetPIN checks the old PIN itself: presented once,
      // after the same guard a login has.
      guardPin(findToken(request.token), c.CKU_USER, request.token);
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
    case 'logOutAll':
      releaseAll();
      return undefined;
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
  const clock = Date.now();
  for (const [key, entry] of held) {
    if (clock - entry.lastUsed >= HOLD_IDLE_MS || clock - entry.openedAt >= HOLD_MAX_MS)
      release(key);
  }
  // While a held session is in use, re-initialising would end it: look without rescanning
  // (modules that follow their readers themselves still show changes; SoftHSM2 waits).
  if (held.size === 0) refresh();
  const now = new Map(presentTokens().map((t) => [keyOf(t.view), t.view]));
  const inserted = [...now].filter(([key]) => !known.has(key)).map(([, view]) => view);
  const removed = [...known]
    .filter(([key]) => !now.has(key))
    .map(([, view]) => ({ module: view.module, serial: view.serial }));
  known = now;
  if (inserted.length > 0 || removed.length > 0)
    parentPort?.postMessage({ event: 'change', inserted, removed } satisfies WorkerMessage);
}

/**
 * A call that failed in a way a removed token fails (SoftHSM2 answers CKR_GENERAL_ERROR, a
 * card reader CKR_DEVICE_ERROR or a lost session) is TOKEN_REMOVED when the token is no
 * longer there; every held session was closed by the look, so the next call after the token
 * is back starts clean.
 */
function removedDuring(request: WorkerRequest, error: KeywardenError): KeywardenError {
  const removable: readonly string[] = [
    ErrorCode.TOKEN_FAILED,
    ErrorCode.SESSION_LOST,
    ErrorCode.KEY_NOT_FOUND,
  ];
  if (!('token' in request) || request.op === 'initToken' || !removable.includes(error.code)) {
    return error;
  }
  const ref = request.token;
  try {
    refresh();
    const present = presentTokens().some((t) => isToken(ref, t));
    if (present) return error;
  } catch {
    return error;
  }
  return new KeywardenError(
    ErrorCode.TOKEN_REMOVED,
    `Token ${ref.serial} is gone (removed before or during the call), so the call did not finish; insert it and try again.`,
  );
}

const { modulePaths, pollMs } = workerData as { modulePaths: string[]; pollMs: number };
load(modulePaths);
known = new Map(presentTokens().map((t) => [keyOf(t.view), t.view]));
const timer = setInterval(poll, pollMs);

/**
 * The ArrayBuffers a reply's byte arrays own whole (results are built so), moved to the
 * client rather than copied: no copy of a result (a decrypted plaintext) stays in this thread.
 */
function ownedBuffers(reply: WorkerReply): ArrayBuffer[] {
  if (!reply.ok) return [];
  const owned = (value: unknown) =>
    value instanceof Uint8Array &&
    value.buffer instanceof ArrayBuffer &&
    value.byteOffset === 0 &&
    value.byteLength === value.buffer.byteLength
      ? [value.buffer]
      : [];
  const value = reply.value;
  if (value instanceof Uint8Array) return owned(value);
  if (value !== null && typeof value === 'object' && 'signatures' in value) {
    return owned((value as { signatures: unknown }).signatures);
  }
  return [];
}

/** The answer to one request; every byte it carried is zeroed, whatever happened. */
function answer(request: WorkerRequest): WorkerReply {
  try {
    return { id: request.id, ok: true, value: handle(request) };
  } catch (error) {
    const failure =
      error instanceof KeywardenError ? error : tokenError(error, { operation: request.op });
    return { id: request.id, ok: false, error: toErrorInfo(removedDuring(request, failure)) };
  } finally {
    zeroRequest(request);
  }
}

function finaliseAll(): void {
  clearInterval(timer);
  releaseAll();
  finaliseModules('unload');
}

/**
 * Requests come in batches (every call the client made in one turn of its event loop) and
 * are answered in order. Answers go back together, except that none waits more than
 * REPLY_WITHIN_MS behind the ones after it: a batch with a slow card call in it answers what
 * is done first. One message per batch, rather than per call, is what lets a caller with
 * many calls in flight get nearly the token's own rate.
 */
const REPLY_WITHIN_MS = 1;

/** Set once 'close' is answered: what comes after it finds every module finalised. */
let finalised = false;

parentPort?.on('message', (batch: WorkerRequest[]) => {
  let replies: WorkerReply[] = [];
  let since = performance.now();
  const send = () => {
    if (replies.length > 0)
      parentPort?.postMessage(replies satisfies WorkerMessage, replies.flatMap(ownedBuffers));
    replies = [];
    since = performance.now();
  };
  for (const request of batch) {
    const reply: WorkerReply = finalised
      ? {
          id: request.id,
          ok: false,
          error: { code: ErrorCode.TOKEN_FAILED, message: 'The token layer is closed.' },
        }
      : answer(request);
    if (finalised) zeroRequest(request);
    if (request.op === 'close' && !finalised) {
      finaliseAll();
      finalised = true;
    }
    replies.push(reply);
    if (performance.now() - since > REPLY_WITHIN_MS) send();
  }
  send();
});
