import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { appMenuTemplate } from '../../../electron/main/app-menu.ts';

/** Every item of a menu template, submenus included. */
function items(menu: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return menu.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? items(item.submenu) : []),
  ]);
}

describe('the application menu', () => {
  const actions = () => {
    const done: string[] = [];
    return { done, lock: () => done.push('lock'), about: () => done.push('about') };
  };

  it('has no reload and no developer tools in a packaged build', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const roles = items(appMenuTemplate(true, platform, actions())).map((i) => i.role);
      for (const role of ['reload', 'forceReload', 'toggleDevTools'] as const) {
        expect(roles, `${platform} ${role}`).not.toContain(role);
      }
    }
    const roles = items(appMenuTemplate(false, 'linux', actions())).map((i) => i.role);
    expect(roles).toContain('toggleDevTools');
  });

  it('locks the vault from the menu and from Ctrl/Cmd+L', () => {
    const acts = actions();
    const lock = items(appMenuTemplate(true, 'linux', acts)).find((i) => i.label === 'Lock vault');
    expect(lock?.accelerator).toBe('CmdOrCtrl+L');
    (lock?.click as () => void)();
    expect(acts.done).toEqual(['lock']);
  });

  it('has the macOS app menu on macOS only', () => {
    expect(appMenuTemplate(true, 'darwin', actions())[0]?.role).toBe('appMenu');
    expect(appMenuTemplate(true, 'linux', actions())[0]?.role).not.toBe('appMenu');
  });
});
