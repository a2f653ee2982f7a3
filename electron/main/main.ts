import {
  app,
  BrowserWindow,
  clipboard,
  ClipboardItem,
  dialog,
  ipcMain,
  Menu,
  powerMonitor,
  protocol,
  session,
  shell,
} from 'electron';
import { dirname, join } from 'node:path';
import { KeywardenServices } from '../services/services.ts';
import { disableCoreDumps, osActor, realDeps, realTokens } from '../services/runtime.ts';
import type { ServiceEvent } from '../shared/contract.ts';
import { DEFAULT_AUTO_LOCK_MINUTES } from '../shared/app-types.ts';
import { registerChannels } from './ipc.ts';
import { safeStorageSealer } from './safe-storage-sealer.ts';
import { APP_ORIGIN, APP_SCHEME, appUrlCheck, CONTENT_SECURITY_POLICY } from './window-policy.ts';
import { denyPermissions, guardContents, windowOptions } from './window-policy.ts';
import { serveAppRequest } from './app-protocol.ts';
import { startIdleLock } from './idle-lock.ts';
import { appMenuTemplate } from './app-menu.ts';
import { electronClipboard } from './electron-clipboard.ts';
import { systemPdfViewer } from './system-pdf-viewer.ts';
import { devServerUrl, preloadPath, rendererIndex } from './app-paths.ts';

// The Electron main process: one hardened window over the built renderer (served through the
// app:// protocol, never a dev server once packaged), the contract's channels behind the
// sender check, the contract's events pushed to the window, and locking on idle, on the OS
// lock screen, on suspend and on quit. Every lock reloads the renderer, so nothing of the
// unlocked session stays in it.

// Before anything else: a crash must not write the vault key to a core file.
const coreDumps = disableCoreDumps();
if (!coreDumps.ok) console.warn(`keywarden: warning: core dumps stay on (${coreDumps.reason}).`);

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function start(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  const packaged = app.isPackaged;
  const devServer = devServerUrl(packaged);
  const isAppUrl = appUrlCheck(devServer);
  let window: BrowserWindow | null = null;
  let autoLockMinutes = DEFAULT_AUTO_LOCK_MINUTES;

  const onEvent = (event: ServiceEvent) => {
    window?.webContents.send(event.name, event.payload);
    if (event.name === 'settings:changed') autoLockMinutes = event.payload.autoLockMinutes;
    // A lock leaves nothing of the session in the renderer: it starts afresh.
    if (event.name === 'vault:locked') window?.webContents.reload();
  };
  const services = new KeywardenServices({
    deps: realDeps({ keychain: safeStorageSealer, tctiFromEnvironment: false }),
    actor: osActor(),
    appVersion: app.getVersion(),
    openTokens: realTokens(),
    watchTokens: true,
    clipboard: electronClipboard(clipboard, ClipboardItem, process.platform),
    printer: systemPdfViewer(shell),
    defaultVaultPath: join(app.getPath('userData'), 'vault.kw'),
    onEvent,
  });

  app.on('web-contents-created', (_event, contents) =>
    guardContents(contents, {
      isAppUrl,
      // guardContents calls this with allow-listed pages only (isAllowedExternal).
      openExternal: (url) => void shell.openExternal(url), // eng-disable OPEN_EXTERNAL_JS_CHECK
      packaged,
    }),
  );
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    services.shutdown('quit');
    void services.releaseClipboard();
  });
  // Finalises the PKCS#11 modules (and stops their worker) on the way out.
  app.on('will-quit', () => void services.dispose());

  app.whenReady().then(
    async () => {
      const rendererRoot = dirname(rendererIndex());
      protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererRoot, request));
      denyPermissions(session.defaultSession);
      // The dev server's pages get the same CSP as the app's own (the protocol sets its own).
      // Electronegativity cannot read a policy held in a constant: it is
      // CONTENT_SECURITY_POLICY, checked directive by directive in window-policy.test.ts.
      session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
        const csp = { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] };
        callback({ responseHeaders: { ...details.responseHeaders, ...csp } }); // eng-disable CSP_GLOBAL_CHECK
      });
      registerChannels(ipcMain, (channel, request) => services.invoke(channel, request), isAppUrl);
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          appMenuTemplate(packaged, process.platform, {
            lock: () => services.shutdown('request'),
            about: () =>
              void dialog.showMessageBox({
                type: 'info',
                title: 'About Keywarden',
                message: `Keywarden ${app.getVersion()}`,
                detail: 'An offline key vault: inventory, lifetimes, tokens, ceremonies, audit.',
              }),
          }),
        ),
      );
      powerMonitor.on('lock-screen', () => services.shutdown('lock-screen'));
      powerMonitor.on('suspend', () => services.shutdown('suspend'));
      try {
        autoLockMinutes = (await services.invoke('settings:show', {})).autoLockMinutes;
      } catch {
        // A malformed settings file keeps the default; the settings screen reports it.
      }
      startIdleLock({
        idleSeconds: () => powerMonitor.getSystemIdleTime(),
        minutes: () => autoLockMinutes,
        lock: () => services.shutdown('idle'),
      });
      // The options come from windowOptions(), which Electronegativity cannot see into:
      // contextIsolation, sandbox and no Auxclick are set there and asserted in
      // test/unit/main/window-policy.test.ts.
      window = new BrowserWindow(windowOptions(preloadPath(), packaged)); // eng-disable CONTEXT_ISOLATION_JS_CHECK SANDBOX_JS_CHECK AUXCLICK_JS_CHECK
      window.once('ready-to-show', () => window?.show());
      window.on('closed', () => (window = null));
      await window.loadURL(devServer ? devServer.href : `${APP_ORIGIN}/index.html`);
    },
    () => app.quit(),
  );
}

start();
