import { useEffect, useState } from 'react';
import type { VaultHeader } from '../../electron/shared/vault-types.ts';
import { ask, keywarden } from './api.ts';
import { Shell } from './components/Shell.tsx';
import { Progress } from './components/notes.tsx';
import { useRoute, useScreenFocus } from './router.ts';
import { useTheme } from './theme.ts';
import { UnlockScreen } from './screens/unlock/UnlockScreen.tsx';
import { ScreenFor } from './screens/screens.tsx';

// The app: the unlock screen until the vault is open, then the shell and the screen the
// location names. A lock (by the person, idle, screen lock, suspend) reloads the whole page
// from the main process, so nothing of the session outlives it here.

export function App() {
  const [theme, setTheme] = useTheme();
  const route = useRoute();
  const [vault, setVault] = useState<VaultHeader | null | 'checking'>('checking');
  useScreenFocus(vault === null || vault === 'checking' ? null : route);

  useEffect(() => {
    // A page reloaded while its vault stays open (a development reload) finds it open.
    ask(keywarden().vault.verify({})).then(
      (status) => setVault(status.header),
      () => setVault(null),
    );
  }, []);

  if (vault === 'checking') return <Progress label="Starting…" />;
  if (vault === null) return <UnlockScreen onUnlocked={setVault} />;
  return (
    <Shell
      route={route}
      vault={vault}
      theme={theme}
      onTheme={setTheme}
      onLock={() => void keywarden().vault.lock({})}
    >
      <ScreenFor route={route} vault={vault} />
    </Shell>
  );
}
