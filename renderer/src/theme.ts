import { useEffect, useState } from 'react';

// Light and dark themes: the system's choice until the person picks one, kept in this
// window's local storage (nothing secret is ever stored there).

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

/** The theme and a way to change it. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(stored);
  useEffect(() => {
    apply(theme);
    if (theme === 'system') window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, theme);
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => apply(theme);
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, [theme]);
  return [theme, setTheme];
}
