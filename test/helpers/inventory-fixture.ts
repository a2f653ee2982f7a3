import { addPerson } from '../../electron/core/inventory/people-registry.ts';
import type { UnlockedVault } from '../../electron/core/vault/vault.ts';
import type { PersonView } from '../../electron/shared/inventory-types.ts';

// People for inventory tests, registered through the same audited path the services use.
// The first person bootstraps the registry; each later one is added by that first officer.

export function registerPeople(
  vault: UnlockedVault,
  people: Array<[name: string, roles: string[]]>,
): PersonView[] {
  const registered: PersonView[] = [];
  for (const [name, roles] of people) {
    const actor = registered[0]?.name ?? 'setup';
    registered.push(
      vault.apply(
        { actor, action: 'person.add', target: 'people', outcome: 'success' },
        (records) => addPerson(records, actor, name, roles),
      ),
    );
  }
  return registered;
}
