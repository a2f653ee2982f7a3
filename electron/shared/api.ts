import { CHANNELS, events } from './contract.ts';
import type { Channel, EventName, Reply, RequestOf, ResponseOf } from './contract.ts';

// window.keywarden, derived from the contract: `vault:change-passphrase` becomes
// `keywarden.vault.changePassphrase(request)`, and `keywarden.on('tokens:changed', listener)`
// listens to one of the contract's events. The preload builds it with buildApi; the
// renderer's type is this same KeywardenApi, so the two cannot drift.

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;
type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
type MethodOf<C extends string> = C extends `${string}:${infer V}` ? CamelCase<V> : never;

/** A listener of one event: it gets the payload only, never the IPC event behind it. */
export type EventListener<E extends EventName> = (payload: (typeof events)[E]) => void;

/**
 * A request as callers build it: any Uint8Array will do for a byte field (the schemas say
 * Uint8Array<ArrayBuffer>; a TextEncoder's output or a reply's bytes are ArrayBufferLike).
 */
export type LooseBytes<T> = T extends Uint8Array
  ? Uint8Array
  : T extends readonly (infer U)[]
    ? LooseBytes<U>[]
    : T extends object
      ? { [K in keyof T]: LooseBytes<T[K]> }
      : T;

export type KeywardenApi = {
  [D in DomainOf<Channel>]: {
    [C in Channel as C extends `${D}:${string}` ? MethodOf<C> : never]: (
      request: LooseBytes<RequestOf<C>>,
    ) => Promise<Reply<ResponseOf<C>>>;
  };
} & {
  /** Listens to one of the contract's events; returns the function that stops listening. */
  on<E extends EventName>(name: E, listener: EventListener<E>): () => void;
};

export type Invoke = (channel: Channel, request: unknown) => Promise<unknown>;
/** Delivers the named event's payloads to `listener` until the returned function is called. */
export type Subscribe = (name: EventName, listener: (payload: unknown) => void) => () => void;

/** The method name a channel's verb becomes: `change-passphrase` → `changePassphrase`. */
export function methodName(channel: Channel): { domain: string; method: string } {
  const [domain = '', verb = ''] = channel.split(':');
  return {
    domain,
    method: verb.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase()),
  };
}

/** Whether `name` is one of the contract's events. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/**
 * Builds the API object: one method per channel, each forwarding to `invoke` with its fixed
 * channel name, and `on`, which refuses (throws TypeError for) a name the contract does not
 * declare as an event.
 */
export function buildApi(invoke: Invoke, subscribe: Subscribe): KeywardenApi {
  const api: Record<string, unknown> = {};
  for (const channel of CHANNELS) {
    const { domain, method } = methodName(channel);
    const methods = (api[domain] ??= {}) as Record<string, (request: unknown) => Promise<unknown>>;
    methods[method] = (request: unknown) => invoke(channel, request);
  }
  api.on = (name: unknown, listener: unknown) => {
    if (!isEventName(name)) throw new TypeError(`There is no event "${String(name)}".`);
    if (typeof listener !== 'function') throw new TypeError('The listener must be a function.');
    return subscribe(name, (payload) => (listener as (payload: unknown) => void)(payload));
  };
  return api as KeywardenApi;
}
