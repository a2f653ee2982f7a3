import { CHANNELS } from './contract.ts';
import type { Channel, Reply, RequestOf, ResponseOf } from './contract.ts';

// window.keywarden, derived from the contract: `vault:change-passphrase` becomes
// `keywarden.vault.changePassphrase(request)`. The preload builds it with buildApi; the
// renderer's type is this same KeywardenApi, so the two cannot drift.

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;
type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
type MethodOf<C extends string> = C extends `${string}:${infer V}` ? CamelCase<V> : never;

export type KeywardenApi = {
  [D in DomainOf<Channel>]: {
    [C in Channel as C extends `${D}:${string}` ? MethodOf<C> : never]: (
      request: RequestOf<C>,
    ) => Promise<Reply<ResponseOf<C>>>;
  };
};

export type Invoke = (channel: Channel, request: unknown) => Promise<unknown>;

function camelCase(text: string): string {
  return text.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** Builds the API object: one method per channel, each forwarding to `invoke` with its fixed channel name. */
export function buildApi(invoke: Invoke): KeywardenApi {
  const api: Record<string, Record<string, (request: unknown) => Promise<unknown>>> = {};
  for (const channel of CHANNELS) {
    const [domain = '', verb = ''] = channel.split(':');
    api[domain] ??= {};
    api[domain][camelCase(verb)] = (request: unknown) => invoke(channel, request);
  }
  return api as unknown as KeywardenApi;
}
