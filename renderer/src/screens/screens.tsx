import type { VaultHeader } from '../../../electron/shared/vault-types.ts';
import type { Route } from '../router.ts';
import { InventoryScreen } from './inventory/InventoryScreen.tsx';
import { KeyScreen } from './key/KeyScreen.tsx';
import { PeriodsScreen } from './periods/PeriodsScreen.tsx';
import { TokensScreen } from './tokens/TokensScreen.tsx';
import { CeremoniesScreen } from './ceremonies/CeremoniesScreen.tsx';
import { CeremonyScreen } from './ceremonies/CeremonyScreen.tsx';
import { AuditScreen } from './audit/AuditScreen.tsx';
import { PeopleScreen } from './people/PeopleScreen.tsx';
import { SettingsScreen } from './settings/SettingsScreen.tsx';

/** What each screen gets: the open vault's public header. */
export interface ScreenProps {
  vault: VaultHeader;
}

/** The screen a route names. */
export function ScreenFor({ route, vault }: { route: Route; vault: VaultHeader }) {
  switch (route.screen) {
    case 'inventory':
      return <InventoryScreen vault={vault} />;
    case 'key':
      return <KeyScreen vault={vault} id={route.id} />;
    case 'periods':
      return <PeriodsScreen vault={vault} />;
    case 'tokens':
      return <TokensScreen vault={vault} />;
    case 'ceremonies':
      return <CeremoniesScreen vault={vault} />;
    case 'ceremony':
      return <CeremonyScreen vault={vault} id={route.id} />;
    case 'audit':
      return <AuditScreen vault={vault} />;
    case 'people':
      return <PeopleScreen vault={vault} />;
    case 'settings':
      return <SettingsScreen vault={vault} />;
  }
}
