import type { MenuItemConstructorOptions } from 'electron';

// The application menu. Packaged builds have no reload and no developer tools: a reload
// comes only from a lock, and devtools would open the renderer's memory to inspection.

/** What the menu's own items do. */
export interface MenuActions {
  lock(): void;
  about(): void;
}

/** The menu as Electron's Menu.buildFromTemplate takes it. */
export function appMenuTemplate(
  packaged: boolean,
  platform: NodeJS.Platform,
  actions: MenuActions,
): MenuItemConstructorOptions[] {
  const develop: MenuItemConstructorOptions[] = packaged
    ? []
    : [{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }];
  const menu: MenuItemConstructorOptions[] = [
    {
      label: 'Vault',
      submenu: [
        { label: 'Lock vault', accelerator: 'CmdOrCtrl+L', click: () => actions.lock() },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      role: 'editMenu',
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...develop,
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'About Keywarden', click: () => actions.about() }] },
  ];
  return platform === 'darwin' ? [{ role: 'appMenu' }, ...menu] : menu;
}
