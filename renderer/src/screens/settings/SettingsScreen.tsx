import type { ScreenProps } from '../screens.tsx';
import { PageHeader } from '../../components/notes.tsx';
import { AppSettingsSections } from './AppSettingsSections.tsx';
import { SlotsSection } from './SlotsSection.tsx';
import './forms.css';
import './settings.css';

// Settings: the vault's unlock slots (what opens it, and changes to them), how long an idle
// vault stays open, the theme, and which vault file the app opens.

export function SettingsScreen({ vault }: ScreenProps) {
  return (
    <div className="settings">
      <PageHeader title="Settings">
        <span className="hint">Unlock slots, auto-lock, theme and the vault file.</span>
      </PageHeader>
      <SlotsSection vault={vault} />
      <AppSettingsSections vault={vault} />
    </div>
  );
}
