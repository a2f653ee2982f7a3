import { Button } from 'react-aria-components';
import type { VaultHeader } from '../../../electron/shared/vault-types.ts';
import { hrefOf } from '../router.ts';
import type { Route } from '../router.ts';
import type { Theme } from '../theme.ts';

// The frame around every screen once the vault is open: the places, the vault's name,
// the theme and the lock button. A skip link lets keyboard users go straight to the screen.

const PLACES: ReadonlyArray<{ route: Route; label: string; screens: Route['screen'][] }> = [
  { route: { screen: 'inventory' }, label: 'Keys', screens: ['inventory', 'key'] },
  { route: { screen: 'periods' }, label: 'Crypto-periods', screens: ['periods'] },
  { route: { screen: 'tokens' }, label: 'Tokens', screens: ['tokens'] },
  { route: { screen: 'ceremonies' }, label: 'Ceremonies', screens: ['ceremonies', 'ceremony'] },
  { route: { screen: 'audit' }, label: 'Audit', screens: ['audit'] },
  { route: { screen: 'people' }, label: 'People', screens: ['people'] },
  { route: { screen: 'settings' }, label: 'Settings', screens: ['settings'] },
];

export function Shell(props: {
  route: Route;
  vault: VaultHeader;
  theme: Theme;
  onTheme: (theme: Theme) => void;
  onLock: () => void;
  children: React.ReactNode;
}) {
  const { route, vault, theme, onTheme, onLock, children } = props;
  const next: Theme = theme === 'dark' ? 'light' : theme === 'light' ? 'system' : 'dark';
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to the screen
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-name">Keywarden</span>
          <span className="brand-vault" title={vault.path}>
            {vault.path.split('/').pop()}
          </span>
        </div>
        <nav aria-label="Places">
          <ul>
            {PLACES.map((place) => (
              <li key={place.label}>
                <a
                  href={hrefOf(place.route)}
                  aria-current={place.screens.includes(route.screen) ? 'page' : undefined}
                >
                  {place.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <Button className="button button-quiet" onPress={() => onTheme(next)}>
            Theme: {theme}
          </Button>
          <Button className="button" onPress={onLock}>
            Lock vault
          </Button>
        </div>
      </aside>
      <main id="main" className="screen" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
