import { Worker } from 'node:worker_threads';
import { ErrorCode, KeywardenError } from '../../electron/shared/errors.ts';
import type { TokenList, TokenObjectView, TokenView } from '../../electron/shared/token-types.ts';
import type {
  TokenAgreementRequest,
  TokenCertificateRequest,
  TokenChange,
  TokenCipherRequest,
  TokenGenerateRequest,
  TokenLayer,
  TokenRef,
  TokenSignManyRequest,
  TokenSignRequest,
  TokenUnwrapRequest,
  TokenVerifyRequest,
  TokenWrapRequest,
} from './pkcs11.ts';
import { MAX_SIGN_BATCH } from './pkcs11.ts';
import type { WorkerMessage, WorkerRequest } from './pkcs11-worker.ts';

// The token layer over a worker thread (pkcs11-worker.ts): each call is a message, each
// reply a promise, so the calling thread never waits on a card. Secret bytes (PINs) are
// copied into buffers that are transferred, not cloned: after the call no copy is left on
// this side, and the worker zeroes its own.

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** A transferable copy of secret bytes; the caller's own bytes stay the caller's to zero. */
function transferable(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** The most bytes one signMany call carries. */
const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export interface Pkcs11ClientOptions {
  /** The module files to load, in order. */
  modules: readonly string[];
  /** How often to look for tokens coming and going (ms); 1000 by default. */
  pollMs?: number;
}

/** Starts the PKCS#11 worker with `modules` loaded and initialised. */
export function openTokenLayer(options: Pkcs11ClientOptions): TokenLayer {
  // Run from source (type stripping) the worker is the .ts file; compiled for Electron, the .js.
  const workerFile = import.meta.url.endsWith('.ts') ? './pkcs11-worker.ts' : './pkcs11-worker.js';
  const worker = new Worker(new URL(workerFile, import.meta.url), {
    workerData: { modulePaths: [...options.modules], pollMs: options.pollMs ?? 1000 },
  });
  const pending = new Map<number, Pending>();
  const listeners = new Set<(change: TokenChange) => void>();
  let next = 1;
  let closed = false;
  // The worker must not keep the process alive on its own (a CLI exits when its work is done).
  worker.unref();

  worker.on('message', (message: WorkerMessage) => {
    if (!Array.isArray(message)) {
      for (const listener of listeners)
        listener({ inserted: message.inserted, removed: message.removed });
      return;
    }
    for (const reply of message) {
      const waiting = pending.get(reply.id);
      if (!waiting) continue;
      pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new KeywardenError(reply.error.code, reply.error.message));
    }
  });
  const failAll = (why: string) => {
    for (const waiting of pending.values())
      waiting.reject(new KeywardenError(ErrorCode.TOKEN_FAILED, why));
    pending.clear();
  };
  worker.on('error', () => failAll('The PKCS#11 worker stopped; the token call did not finish.'));
  worker.on('exit', () => {
    closed = true;
    failAll('The PKCS#11 worker has exited.');
  });

  // The calls made in one turn of the event loop go to the worker as one message (see the
  // worker's REPLY_WITHIN_MS): a caller with many in flight pays the thread hop once for all.
  let outbox: { requests: WorkerRequest[]; transfer: ArrayBuffer[] } | null = null;
  const flush = () => {
    const box = outbox;
    outbox = null;
    if (box) worker.postMessage(box.requests, box.transfer);
  };
  const send = (request: WorkerRequest, transfer: ArrayBuffer[]) => {
    if (!outbox) {
      outbox = { requests: [], transfer: [] };
      queueMicrotask(flush);
    }
    outbox.requests.push(request);
    outbox.transfer.push(...transfer);
  };

  function call<T>(request: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (closed) {
      // The secret copies made for this call go no further: clear them now.
      for (const buffer of transfer) new Uint8Array(buffer).fill(0);
      return Promise.reject(
        new KeywardenError(ErrorCode.TOKEN_FAILED, 'The token layer is closed.'),
      );
    }
    const id = next++;
    worker.ref(); // a call in flight keeps the process alive until it answers
    return new Promise<T>((resolve, reject) => {
      pending.set(id, {
        resolve: (value) => resolve(value as T),
        reject,
      });
      send({ ...request, id } as WorkerRequest, transfer);
    }).finally(() => {
      // Listening for tokens keeps the worker referenced (see onChange).
      if (pending.size === 0 && listeners.size === 0) worker.unref();
    });
  }

  async function cipher(
    op: 'encrypt' | 'decrypt',
    token: TokenRef,
    pin: Uint8Array,
    request: TokenCipherRequest,
  ): Promise<Buffer> {
    const buffer = transferable(pin);
    const data = transferable(request.data);
    const aad = transferable(request.aad);
    const out = await call<Uint8Array>(
      { op, token, pin: buffer, request: { ...request, data, aad } },
      [buffer, data, aad],
    );
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  return {
    list: (modules: readonly string[] = []) =>
      call<TokenList>({ op: 'list', modules: [...modules] }),
    objects: (token: TokenRef, pin: Uint8Array | null) => {
      const buffer = pin ? transferable(pin) : null;
      return call<TokenObjectView[]>({ op: 'objects', token, pin: buffer }, buffer ? [buffer] : []);
    },
    generate: (token: TokenRef, pin: Uint8Array, request: TokenGenerateRequest) => {
      const buffer = transferable(pin);
      return call<TokenObjectView>({ op: 'generate', token, pin: buffer, request }, [buffer]);
    },
    sign: async (token: TokenRef, pin: Uint8Array, request: TokenSignRequest) => {
      const buffer = transferable(pin);
      const data = transferable(request.data);
      const signature = await call<Uint8Array>(
        { op: 'sign', token, pin: buffer, request: { ...request, data } },
        [buffer, data],
      );
      return Buffer.from(signature);
    },
    signMany: async (token: TokenRef, pin: Uint8Array, request: TokenSignManyRequest) => {
      const { data: messages, ...scheme } = request;
      const total = messages.reduce((sum, m) => sum + m.length, 0);
      if (messages.length === 0 || messages.length > MAX_SIGN_BATCH || total > MAX_BATCH_BYTES) {
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          `A signing batch holds 1 to ${MAX_SIGN_BATCH} messages, ${MAX_BATCH_BYTES / 1024 / 1024} MiB in all.`,
        );
      }
      // One buffer for all the messages, cut apart by their lengths in the worker.
      const packed = new Uint8Array(total);
      let at = 0;
      for (const message of messages) {
        packed.set(message, at);
        at += message.length;
      }
      const buffer = transferable(pin);
      const signed = await call<{ signatures: Uint8Array; lengths: number[] }>(
        {
          op: 'signMany',
          token,
          pin: buffer,
          request: { ...scheme, data: packed.buffer, lengths: messages.map((m) => m.length) },
        },
        [buffer, packed.buffer],
      );
      const all = Buffer.from(
        signed.signatures.buffer,
        signed.signatures.byteOffset,
        signed.signatures.byteLength,
      );
      let from = 0;
      return signed.lengths.map((length) => {
        from += length;
        return all.subarray(from - length, from);
      });
    },
    verify: (token: TokenRef, pin: Uint8Array | null, request: TokenVerifyRequest) => {
      const buffer = pin ? transferable(pin) : null;
      const data = transferable(request.data);
      const signature = transferable(request.signature);
      return call<boolean>(
        { op: 'verify', token, pin: buffer, request: { ...request, data, signature } },
        [...(buffer ? [buffer] : []), data, signature],
      );
    },
    encrypt: (token: TokenRef, pin: Uint8Array, request: TokenCipherRequest) =>
      cipher('encrypt', token, pin, request),
    decrypt: (token: TokenRef, pin: Uint8Array, request: TokenCipherRequest) =>
      cipher('decrypt', token, pin, request),
    deriveSharedSecret: async (
      token: TokenRef,
      pin: Uint8Array,
      request: TokenAgreementRequest,
    ) => {
      const buffer = transferable(pin);
      const peerPublicKey = transferable(request.peerPublicKey);
      // Z comes back in a buffer the worker handed over whole: no copy of it stays there.
      const secret = await call<Uint8Array>(
        { op: 'deriveSharedSecret', token, pin: buffer, request: { ...request, peerPublicKey } },
        [buffer, peerPublicKey],
      );
      return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    },
    wrapKey: async (token: TokenRef, pin: Uint8Array, request: TokenWrapRequest) => {
      const buffer = transferable(pin);
      return Buffer.from(
        await call<Uint8Array>({ op: 'wrapKey', token, pin: buffer, request }, [buffer]),
      );
    },
    unwrapKey: (token: TokenRef, pin: Uint8Array, request: TokenUnwrapRequest) => {
      const buffer = transferable(pin);
      const wrapped = transferable(request.wrapped);
      return call<TokenObjectView>(
        { op: 'unwrapKey', token, pin: buffer, request: { ...request, wrapped } },
        [buffer, wrapped],
      );
    },
    importCertificate: (token: TokenRef, pin: Uint8Array, request: TokenCertificateRequest) => {
      const buffer = transferable(pin);
      const certificate = transferable(request.certificate);
      return call<TokenObjectView>(
        { op: 'importCertificate', token, pin: buffer, request: { ...request, certificate } },
        [buffer, certificate],
      );
    },
    destroyKeyObjects: (token: TokenRef, pin: Uint8Array, keyId: string) => {
      const buffer = transferable(pin);
      return call<number>({ op: 'destroyKeyObjects', token, pin: buffer, keyId }, [buffer]);
    },
    changePin: (token: TokenRef, oldPin: Uint8Array, newPin: Uint8Array) => {
      const [a, b] = [transferable(oldPin), transferable(newPin)];
      return call<void>({ op: 'changePin', token, oldPin: a, newPin: b }, [a, b]);
    },
    initPin: (token: TokenRef, soPin: Uint8Array, newPin: Uint8Array) => {
      const [a, b] = [transferable(soPin), transferable(newPin)];
      return call<void>({ op: 'initPin', token, soPin: a, newPin: b }, [a, b]);
    },
    initToken: (token, soPin, userPin, label) => {
      const [a, b] = [transferable(soPin), transferable(userPin)];
      return call<TokenView>({ op: 'initToken', token, soPin: a, userPin: b, label }, [a, b]);
    },
    logOutAll: () => call<void>({ op: 'logOutAll' }),
    onChange: (listener) => {
      listeners.add(listener);
      // Listening for tokens is a reason to stay alive (the app), unlike a one-off call.
      worker.ref();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && pending.size === 0) worker.unref();
      };
    },
    close: async () => {
      if (closed) return;
      const done = call<void>({ op: 'close' });
      // Calls made after close() are refused at once, not sent to finalised modules.
      closed = true;
      try {
        await done;
      } finally {
        await worker.terminate();
      }
    },
  };
}
