import { useEffect, useSyncExternalStore } from 'react';

// Light and dark themes: the system's choice until the person picks one, kept in this
// window's local storage (nothing secret is ever stored there). One choice for the whole
// window: the shell's theme button and the settings screen read and change the same one.

export type Theme = 'light' | 'dark' | 'system';
const KEY = 'keywarden.theme';

function stored(): Theme {
  const value = window.localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** Applies a theme to the document (the CSS reads data-theme). */
function apply(theme: Theme): void {
  const dark =
    theme === 'dark' ||
    (theme === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

let current: Theme | null = null;
const listeners = new Set<() => void>();

function read(): Theme {
  current ??= stored();
  return current;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Chooses the theme for this window, keeps the choice and tells every user of useTheme. */
function choose(theme: Theme): void {
  if (theme === 'system') window.localStorage.removeItem(KEY);
  else window.localStorage.setItem(KEY, theme);
  current = theme;
  for (const listener of listeners) listener();
}

/** The theme and a way to change it. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const theme = useSyncExternalStore(subscribe, read);
  useEffect(() => {
    apply(theme);
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => apply(theme);
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, [theme]);
  return [theme, choose];
}
