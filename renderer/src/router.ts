import { useEffect, useRef, useState } from 'react';

// The app's places, in the location hash (#/keys/ID): links are plain anchors, so the
// keyboard, the history and a reload all work, and nothing leaves the app's origin.

export type Route =
  | { screen: 'inventory' }
  | { screen: 'key'; id: string }
  | { screen: 'periods' }
  | { screen: 'tokens' }
  | { screen: 'ceremonies' }
  | { screen: 'ceremony'; id: string }
  | { screen: 'audit' }
  | { screen: 'people' }
  | { screen: 'settings' };

/** The route a hash names; the inventory for anything unknown. */
export function routeOf(hash: string): Route {
  const [, screen = '', id = ''] = hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  switch (screen) {
    case 'keys':
      return id ? { screen: 'key', id } : { screen: 'inventory' };
    case 'ceremonies':
      return id ? { screen: 'ceremony', id } : { screen: 'ceremonies' };
    case 'periods':
    case 'tokens':
    case 'audit':
    case 'people':
    case 'settings':
      return { screen };
    default:
      return { screen: 'inventory' };
  }
}

/** The hash of a route, for links. */
export function hrefOf(route: Route): string {
  switch (route.screen) {
    case 'inventory':
      return '#/keys';
    case 'key':
      return `#/keys/${encodeURIComponent(route.id)}`;
    case 'ceremony':
      return `#/ceremonies/${encodeURIComponent(route.id)}`;
    default:
      return `#/${route.screen}`;
  }
}

/** Goes to a route. */
export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

/** The current route, following the hash. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}

/** What each screen is called, in the window's title. */
const SCREEN_TITLES: Readonly<Record<Route['screen'], string>> = {
  inventory: 'Keys',
  key: 'Key',
  periods: 'Crypto-periods',
  tokens: 'Tokens',
  ceremonies: 'Ceremonies',
  ceremony: 'Ceremony',
  audit: 'Audit',
  people: 'People',
  settings: 'Settings',
};

/**
 * Names the screen in the window's title and, when the route changes (not on the first
 * screen), moves focus to the screen's main region, so a keyboard or screen-reader user lands
 * on what the link opened instead of staying in the list of places.
 */
export function useScreenFocus(route: Route | null): void {
  const href = route ? hrefOf(route) : null;
  const title = route ? SCREEN_TITLES[route.screen] : 'Unlock';
  const shown = useRef<string | null>(null);
  useEffect(() => {
    document.title = `${title} — Keywarden`;
    const before = shown.current;
    shown.current = href;
    if (href === null || before === null || before === href) return;
    document.getElementById('main')?.focus();
  }, [href, title]);
}
