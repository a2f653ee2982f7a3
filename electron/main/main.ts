import { app, BrowserWindow, ipcMain, powerMonitor, session } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KeywardenServices } from '../services/services.ts';
import { osActor, realDeps, realTokens } from '../services/runtime.ts';
import { registerChannels } from './ipc.ts';
import { safeStorageSealer } from './safe-storage-sealer.ts';

// The Electron main process: one hardened window over the built renderer, the IPC channels
// of the contract, and locking on quit, suspend and the OS lock screen. (The shell issue
// grows this: custom protocol, menus, idle lock, fuses, packaging.)

const RENDERER_INDEX = fileURLToPath(new URL('../../../renderer/dist/index.html', import.meta.url));
const RENDERER_URL = pathToFileURL(RENDERER_INDEX);

/** The app's page is exactly the packaged index.html, whatever its query or fragment. */
const isAppUrl = (url: URL) =>
  url.protocol === 'file:' && url.pathname === RENDERER_URL.pathname && url.host === '';

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: !app.isPackaged,
      preload: fileURLToPath(new URL('../preload/preload.cjs', import.meta.url)),
    },
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(new URL(url))) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.once('ready-to-show', () => window.show());
  void window.loadFile(RENDERER_INDEX);
  return window;
}

function start(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  const services = new KeywardenServices({
    deps: realDeps({ keychain: safeStorageSealer, tctiFromEnvironment: false }),
    actor: osActor(),
    openTokens: realTokens(),
  });
  app.whenReady().then(
    () => {
      session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
        callback(false),
      );
      session.defaultSession.setPermissionCheckHandler(() => false);
      registerChannels(ipcMain, (channel, request) => services.invoke(channel, request), isAppUrl);
      const lock = () => services.shutdown();
      powerMonitor.on('lock-screen', lock);
      powerMonitor.on('suspend', lock);
      app.on('before-quit', lock);
      // Finalises the PKCS#11 modules (and stops their worker) on the way out.
      app.on('will-quit', () => void services.dispose());
      createWindow();
    },
    () => app.quit(),
  );
  app.on('window-all-closed', () => app.quit());
}

start();
