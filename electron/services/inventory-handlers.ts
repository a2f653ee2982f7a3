import { Outcome } from '../core/audit/audit-log.ts';
import { listKeys, transitionKey, vaultPolicy } from '../core/inventory/key-inventory.ts';
import { describeKey } from '../core/inventory/key-details.ts';
import { KeySummaryCache, listKeySummaries } from '../core/inventory/key-summaries.ts';
import { generateKey } from '../core/inventory/key-creation.ts';
import { addPerson, listPeople } from '../core/inventory/people-registry.ts';
import { presenceMethods } from '../core/ceremony/ceremony-presence.ts';
import {
  exportKeyPublic,
  signAllWithKey,
  verifyWithKey,
} from '../core/inventory/key-operations.ts';
import type { RsaPadding } from '../core/inventory/key-operations.ts';
import { cancelDestruction } from '../core/inventory/key-destruction.ts';
import { setPolicy, updateKey } from '../core/inventory/key-edits.ts';
import { rewrapDataKeys, rotateKey } from '../core/inventory/key-rotation.ts';
import type { RewrapProgress } from '../core/inventory/key-rotation.ts';
import type { UnlockedVault } from '../core/vault/vault.ts';
import {
  destroyAnyKey,
  generateTokenKey,
  isTokenKey,
  signAllWithTokenKey,
} from '../core/inventory/token-keys.ts';
import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { ServiceEvent } from '../shared/contract.ts';
import type { KeyView } from '../shared/inventory-types.ts';
import type { ChannelHandlers } from './services.ts';

// The inventory channels: people, policy and keys. Every one needs the vault unlocked.

type InventoryChannel =
  | 'people:add'
  | 'people:list'
  | 'policy:show'
  | 'policy:set'
  | 'policy:reset'
  | 'keys:update'
  | 'keys:rotate'
  | 'keys:rewrap'
  | 'keys:generate'
  | 'keys:list'
  | 'keys:list-summaries'
  | 'keys:show'
  | 'keys:transition'
  | 'keys:sign'
  | 'keys:sign-many'
  | 'keys:verify'
  | 'keys:export-public'
  | 'keys:destroy'
  | 'keys:cancel-destroy';

/** The handlers of the inventory channels, over the services' unlocked vault. */
export function inventoryHandlers(
  vault: () => UnlockedVault,
  tokens: () => TokenLayer,
  actor: string,
  now: () => Date,
  emit: (event: ServiceEvent) => void,
): Pick<ChannelHandlers, InventoryChannel> {
  /** Marks each token key present or absent, from one look at the attached tokens. */
  async function withPresence(keys: KeyView[]): Promise<KeyView[]> {
    if (!keys.some((key) => key.location.kind === 'token')) return keys;
    let attached: Array<{ module: string; serial: string }>;
    // The modules the keys remember are looked in too, loaded if they are not yet.
    const remembered = new Set<string>();
    for (const key of keys) {
      if (key.location.kind === 'token' && key.location.module) remembered.add(key.location.module);
    }
    try {
      attached = (await tokens().list([...remembered])).tokens;
    } catch {
      return keys; // no token support here: presence is simply not shown
    }
    return keys.map((key) => {
      const where = key.location;
      if (where.kind !== 'token') return key;
      // By serial: the module may be reached through another path (a symlink) than recorded.
      const present = attached.some((token) => token.serial === where.serial);
      return { ...key, tokenPresent: present };
    });
  }
  /** Signs with a vault key, or a token key with the token's PIN (PIN_REQUIRED without). */
  async function signAll(request: {
    id: string;
    data: Uint8Array[];
    rsaPadding?: RsaPadding | undefined;
    pin?: Uint8Array | undefined;
    acceptFinalTry?: boolean | undefined;
  }): Promise<Buffer[]> {
    if (!isTokenKey(vault(), request.id)) {
      return signAllWithKey(vault(), actor, request.id, request.data, request.rsaPadding);
    }
    if (!request.pin) {
      throw new KeywardenError(
        ErrorCode.PIN_REQUIRED,
        "This key is on a token: give the token's PIN.",
      );
    }
    return signAllWithTokenKey(
      vault(),
      tokens(),
      actor,
      request.id,
      request.data,
      { pin: request.pin, acceptFinalTry: request.acceptFinalTry === true },
      request.rsaPadding,
    );
  }
  const progress = (step: RewrapProgress) => emit({ name: 'keys:rewrap-progress', payload: step });
  // The screen pages through one scan of the keys; a change to any record starts a new one.
  const summaries = new KeySummaryCache();
  return {
    'people:add': async (request) => {
      const event = {
        actor,
        action: 'person.add',
        target: 'people',
        outcome: Outcome.SUCCESS,
        detail: { roles: request.roles.join(',') },
      };
      return vault().apply(event, (records) =>
        addPerson(records, actor, request.name, request.roles),
      );
    },
    'people:list': async () =>
      vault().query((records) => {
        const methods = presenceMethods(records);
        return listPeople(records).map((person) => {
          const presence = methods.get(person.id);
          return presence ? { ...person, presence } : person;
        });
      }),
    'policy:show': async () => vault().query((records) => vaultPolicy(records)),
    'policy:set': async (request) => setPolicy(vault(), actor, request.table ?? {}),
    'policy:reset': async () => setPolicy(vault(), actor, null),
    'keys:update': async ({ id, reason, ...update }) =>
      updateKey(vault(), actor, id, update, reason, now()),
    'keys:rotate': async ({ id, ...request }) =>
      rotateKey(vault(), actor, id, request, now(), progress),
    'keys:rewrap': async ({ id }) => rewrapDataKeys(vault(), actor, id, now(), progress),
    'keys:generate': async ({ token, ...request }) => {
      if (!token) return generateKey(vault(), actor, request, now());
      if (request.wrappedBy !== undefined) {
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          'A key generated on a token stays on the token; it is not wrapped under a vault KEK.',
        );
      }
      return generateTokenKey(vault(), tokens(), actor, { ...request, token }, now());
    },
    'keys:list': async (request) => withPresence(listKeys(vault(), request, now())),
    'keys:list-summaries': async (request) =>
      listKeySummaries(
        vault(),
        request,
        (step) => emit({ name: 'keys:list-progress', payload: step }),
        summaries,
      ),
    'keys:show': async (request) => {
      const shown = vault().query((records) => describeKey(records, request.id, now()));
      return (await withPresence([shown]))[0] ?? shown;
    },
    'keys:transition': async (request) =>
      transitionKey(vault(), actor, request.id, request.to, request.reason, now()),
    'keys:sign': async ({ data, ...request }) => {
      const [signature] = await signAll({ ...request, data: [data] });
      if (!signature) throw new KeywardenError(ErrorCode.INTERNAL, 'No signature was made.');
      return { signature };
    },
    'keys:sign-many': async (request) => ({ signatures: await signAll(request) }),
    'keys:verify': async (request) => ({
      valid: verifyWithKey(
        vault(),
        actor,
        request.id,
        request.data,
        request.signature,
        request.rsaPadding,
      ),
    }),
    'keys:export-public': async (request) => ({
      text: exportKeyPublic(vault(), request.id, request.format),
    }),
    'keys:destroy': async (request) =>
      destroyAnyKey(
        vault(),
        tokens,
        actor,
        request.id,
        {
          authorisedBy: request.authorisedBy,
          witness: request.witness,
          ...(request.afterDays !== undefined ? { afterDays: request.afterDays } : {}),
        },
        request.pin
          ? { pin: request.pin, acceptFinalTry: request.acceptFinalTry === true }
          : undefined,
        now(),
      ),
    'keys:cancel-destroy': async (request) => cancelDestruction(vault(), actor, request.id, now()),
  };
}
