import { generateKey, registerKey } from '../../electron/core/inventory/key-creation.ts';
import { transitionKey } from '../../electron/core/inventory/key-inventory.ts';
import type { KeyView } from '../../electron/shared/inventory-types.ts';
import { registerPeople } from './inventory-fixture.ts';
import { makeVault, unlockVault } from './vault-fixture.ts';

// The 26-key inventory the inventory screen's end-to-end tests run over (test/e2e/ui/).

const DAY = 86_400_000;
/** The serial of the token the vault's one token key is registered on. */
export const VAULT_SERIAL = 'a1b2c3d4e5f60708';

/**
 * Creates a vault at `path` holding the inventory the tests expect: five people (`me` an
 * officer), 26 keys entered as the services would with past activation dates (some due soon,
 * some overdue), moved through real transitions, one on a token of VAULT_SERIAL and one
 * external. Returns the keys as entered.
 */
export async function seedInventoryVault(path: string, me: string): Promise<KeyView[]> {
  await makeVault(path);
  const vault = await unlockVault(path);
  try {
    registerPeople(vault, [
      [me, ['officer']],
      ['Ada Novak', ['engineer']],
      ['Chen Wei', ['custodian']],
      ['Dana Levi', ['engineer']],
      ['Alma Reyes', ['auditor']],
    ]);
    const now = Date.now();
    const keys: KeyView[] = [];
    const make = async (
      name: string,
      algorithm: string,
      purposes: string[],
      owner: string,
      daysAgo: number,
      extra: Record<string, unknown> = {},
    ) => {
      const request = { name, algorithm, purposes, owner, environment: 'production', ...extra };
      const key = await generateKey(vault, me, request, new Date(now - daysAgo * DAY));
      keys.push(key);
      return key;
    };
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY);
    await make('billing signing', 'ed25519', ['sign', 'verify'], 'Ada Novak', 30, {
      labels: ['service:billing', 'pci'],
    });
    // Private signature keys run 36 months, SSH authentication keys 24 (resources/policy).
    await make('ledger signing', 'ed25519', ['sign', 'verify'], 'Dana Levi', 36 * 30.44 - 10);
    await make('ci-runner ssh', 'ed25519', ['ssh-auth'], 'Dana Levi', 24 * 30.44 + 12);
    await make('payments data', 'aes256', ['encrypt', 'decrypt'], 'Chen Wei', 100, {
      tier: 2,
      custodians: ['Ada Novak'],
      environment: 'staging',
      labels: ['pci'],
    });
    await make('backup kek', 'aes256', ['wrap', 'unwrap'], 'Ada Novak', 200, {
      tier: 2,
      custodians: ['Chen Wei'],
    });
    await make('reports mac', 'hmac-sha256', ['mac', 'verify'], me, 5, {
      environment: 'development',
    });
    await make('vpn ecdh', 'p256', ['agree', 'derive'], 'Chen Wei', 400, {
      environment: 'development',
    });
    const suspended = await make('partner sftp', 'p256', ['sign', 'verify'], 'Dana Levi', 50);
    transitionKey(vault, me, suspended.id, 'suspended', 'pending review', at(1));
    const retired = await make('old crm signing', 'ed25519', ['sign', 'verify'], 'Ada Novak', 500);
    transitionKey(vault, me, retired.id, 'deactivated', 'service retired', at(2));
    const exposed = await make('exposed build key', 'ed25519', ['sign', 'verify'], 'Chen Wei', 60);
    transitionKey(vault, me, exposed.id, 'compromised', 'seen in a build log', at(3));
    const entry = { purposes: ['sign', 'verify'], environment: 'production' };
    keys.push(
      await registerKey(
        vault,
        me,
        {
          ...entry,
          name: 'hsm root ca',
          algorithm: 'p384',
          owner: 'Ada Novak',
          custodians: ['Chen Wei'],
          tier: 1,
          location: { kind: 'token', serial: VAULT_SERIAL, ckaId: 'aa01' },
        },
        at(90),
      ),
      await registerKey(
        vault,
        me,
        {
          ...entry,
          name: 'cloud kms data key',
          algorithm: 'aes256',
          purposes: ['encrypt', 'decrypt'],
          owner: 'Dana Levi',
          location: { kind: 'external', reference: 'arn:aws:kms:eu-west-1:1:key/abc' },
        },
        at(10),
      ),
    );
    const owners = ['Ada Novak', 'Chen Wei', 'Dana Levi', me];
    const environments = ['production', 'staging', 'development'];
    for (let i = 1; i <= 14; i += 1) {
      await make(
        `service-${String(i).padStart(2, '0')} data key`,
        'aes256',
        ['encrypt', 'decrypt'],
        owners[i % 4] ?? me,
        i * 37,
        { environment: environments[i % 3], tier: i % 2 ? 3 : 4 },
      );
    }
    return keys;
  } finally {
    vault.lock(me);
  }
}
