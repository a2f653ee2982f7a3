import { inventoryCbom } from '../core/inventory/cbom.ts';
import { keyCertificate, keyCsr } from '../core/inventory/key-certificates.ts';
import { importKey, registerKeyWithFile } from '../core/inventory/key-import.ts';
import { listKeys } from '../core/inventory/key-inventory.ts';
import { exportPrivateKey } from '../core/inventory/key-private-export.ts';
import { listPeople } from '../core/inventory/people-registry.ts';
import type { UnlockedVault } from '../core/vault/vault.ts';
import type { ChannelHandlers } from './services.ts';

// The channels that move keys and evidence in and out of the vault: import, registration of
// keys held elsewhere, encrypted private export, certificates, and the CBOM.

type FormatChannel =
  | 'keys:import'
  | 'keys:register'
  | 'keys:export-private'
  | 'keys:csr'
  | 'keys:certificate'
  | 'inventory:export';

/** Drops the keys whose value is undefined (the contract's optional fields, as parsed). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The handlers of the import and export channels, over the services' unlocked vault. */
export function keyFormatHandlers(
  vault: () => UnlockedVault,
  actor: string,
  now: () => Date,
  appVersion: string,
): Pick<ChannelHandlers, FormatChannel> {
  return {
    'keys:import': async (request) => importKey(vault(), actor, defined(request), now()),
    'keys:register': async (request) =>
      registerKeyWithFile(vault(), actor, defined(request), now()),
    'keys:export-private': async (request) => ({
      pem: await exportPrivateKey(
        vault(),
        actor,
        request.id,
        request.vaultPassphrase,
        request.exportPassphrase,
      ),
    }),
    'keys:csr': async (request) => ({
      pem: await keyCsr(
        vault(),
        actor,
        request.id,
        defined({ subject: defined(request.subject), rsaPadding: request.rsaPadding }),
      ),
    }),
    'keys:certificate': async (request) => ({
      pem: await keyCertificate(
        vault(),
        actor,
        request.id,
        defined({
          subject: defined(request.subject),
          days: request.days,
          ca: request.ca,
          rsaPadding: request.rsaPadding,
        }),
        now(),
      ),
    }),
    'inventory:export': async () => {
      const at = now();
      const unlocked = vault();
      const keys = listKeys(unlocked, {}, at);
      const people = unlocked.query((records) => listPeople(records));
      const bom = inventoryCbom(keys, people, {
        now: at,
        vaultId: unlocked.header().vaultId,
        toolVersion: appVersion,
      });
      return { document: `${JSON.stringify(bom, null, 2)}\n` };
    },
  };
}
