import { useState } from 'react';
import {
  Button,
  Form,
  Group,
  Input,
  Label,
  NumberField,
  RadioGroup,
  Text,
} from 'react-aria-components';
import type { AppSettings } from '../../../../electron/shared/app-types.ts';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { ask, keywarden, useAction, useEvent, useQuery } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { useTheme } from '../../theme.ts';
import type { Theme } from '../../theme.ts';
import { RadioChoice } from '../../components/ChoiceBoxes.tsx';

// The app's own settings: how long an idle vault stays open, the theme of this window, and
// the vault file the app opens. The settings file is the main process's; a change made
// elsewhere (the menu, another window) arrives as `settings:changed`.

/** The most idle minutes the contract takes (24 hours); 0 turns the idle lock off. */
const MAX_AUTO_LOCK_MINUTES = 24 * 60;

function lockWords(minutes: number): string {
  if (minutes === 0) return 'The vault never locks on idle.';
  return `The vault locks after ${minutes} idle minute${minutes === 1 ? '' : 's'}.`;
}

function AutoLock({ settings }: { settings: AppSettings }) {
  const [draft, setDraft] = useState<number | null>(null);
  const [said, setSaid] = useState('');
  const minutes = draft ?? settings.autoLockMinutes;
  const save = useAction(async (autoLockMinutes: number) =>
    ask(keywarden().settings.set({ autoLockMinutes })),
  );
  return (
    <section aria-labelledby="autolock-title" className="card">
      <h2 id="autolock-title">Auto-lock</h2>
      <p>{lockWords(settings.autoLockMinutes)}</p>
      <Form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (save.busy || Number.isNaN(minutes)) return;
          void save.run(minutes).then((saved) => {
            if (!saved) return;
            setDraft(null);
            setSaid(`Saved. ${lockWords(saved.autoLockMinutes)}`);
          });
        }}
      >
        <NumberField
          className="field"
          value={minutes}
          onChange={setDraft}
          minValue={0}
          maxValue={MAX_AUTO_LOCK_MINUTES}
          step={1}
          formatOptions={{ maximumFractionDigits: 0, useGrouping: false }}
          isRequired
        >
          <Label>Lock after this many idle minutes</Label>
          <Group className="kw-number-group">
            <Input />
            <Button slot="decrement" className="button">
              −
            </Button>
            <Button slot="increment" className="button">
              +
            </Button>
          </Group>
          <Text slot="description" className="hint">
            0 to {MAX_AUTO_LOCK_MINUTES}; 0 means never. The vault still locks with the screen, on
            suspend and from the menu.
          </Text>
        </NumberField>
        <Button type="submit" className="button button-primary">
          Save
        </Button>
      </Form>
      <ErrorNote error={save.error} />
      <p role="status" className="kw-status">
        {said}
      </p>
    </section>
  );
}

const THEMES: ReadonlyArray<{ theme: Theme; label: string; hint: string }> = [
  { theme: 'light', label: 'Light', hint: 'Dark text on light surfaces.' },
  { theme: 'dark', label: 'Dark', hint: 'Light text on dark surfaces.' },
  { theme: 'system', label: 'Same as the system', hint: "Follows the desktop's light or dark." },
];

function Appearance() {
  const [theme, setTheme] = useTheme();
  return (
    <section aria-labelledby="theme-title" className="card">
      <h2 id="theme-title">Theme</h2>
      <RadioGroup
        className="field"
        value={theme}
        onChange={(value) => {
          const chosen = THEMES.find((t) => t.theme === value);
          if (chosen) setTheme(chosen.theme);
        }}
        aria-labelledby="theme-title"
      >
        <div className="kw-choices">
          {THEMES.map(({ theme: value, label, hint }) => (
            <RadioChoice key={value} value={value} hint={hint}>
              {label}
            </RadioChoice>
          ))}
        </div>
      </RadioGroup>
      <p className="hint">
        Kept for this window only; the sidebar&apos;s theme button changes it too.
      </p>
    </section>
  );
}

function VaultFile({ settings, vault }: { settings: AppSettings; vault: VaultHeader }) {
  return (
    <section aria-labelledby="vault-file-title" className="card">
      <h2 id="vault-file-title">Vault file</h2>
      <dl className="settings-facts">
        <dt>Open now</dt>
        <dd>
          <code>{vault.path}</code>
        </dd>
        {settings.vaultPath !== vault.path && (
          <>
            <dt>Opened at the next start</dt>
            <dd>
              <code>{settings.vaultPath}</code>
            </dd>
          </>
        )}
        <dt>Vault id</dt>
        <dd>
          <code>{vault.vaultId}</code>
        </dd>
      </dl>
      <p className="hint">
        To open another vault, lock this one and choose its file on the unlock screen.
      </p>
    </section>
  );
}

/** Auto-lock, theme and vault file, from the settings the main process keeps. */
export function AppSettingsSections({ vault }: { vault: VaultHeader }) {
  const read = useQuery(() => ask(keywarden().settings.show({})));
  const [changed, setChanged] = useState<AppSettings | null>(null);
  useEvent('settings:changed', setChanged);
  const settings = changed ?? read.data;
  return (
    <>
      {read.loading && !settings && <Progress label="Reading the settings…" />}
      <ErrorNote error={read.error} />
      {settings && <AutoLock settings={settings} />}
      <Appearance />
      {settings && <VaultFile settings={settings} vault={vault} />}
    </>
  );
}
