import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';

// What the app's one window may do, and what it may load. Everything here is decided from
// parsed URLs (never string prefixes) and is written against Electron's types only, so
// plain-Node unit tests assert each option and handler without an Electron binary.

/** The custom scheme the packaged renderer is served from: app://keywarden/index.html. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'keywarden';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The Content-Security-Policy of every page the app serves: its own files only, no inline
 * or evaluated script, no plug-ins, no framing, no form posts, no remote anything.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The only pages that may be opened outside the app, in the user's browser: references the
 * screens cite. Compared as origin and path after parsing; anything else is refused.
 */
export const EXTERNAL_ALLOW_LIST: readonly string[] = [
  'https://csrc.nist.gov/pubs/sp/800/57/pt1/r5/final',
  'https://www.iana.org/dnssec/ceremonies',
  'https://www.pcisecuritystandards.org/document_library/',
];

/** Parses `text` as a URL; null when it is not one. */
function parsed(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/**
 * Decides which URLs are the app's own page: app://keywarden/… always, and (only when not
 * packaged) the Vite dev server's exact origin. Anything else — another host, a port, user
 * info, `app://keywarden.evil`, file: — is not.
 */
export function appUrlCheck(devServer: URL | null): (url: URL) => boolean {
  const devOrigin = devServer?.origin ?? null;
  return (url) => {
    if (url.username !== '' || url.password !== '') return false;
    if (url.protocol === `${APP_SCHEME}:`) return url.host === APP_HOST;
    return devOrigin !== null && devOrigin !== 'null' && url.origin === devOrigin;
  };
}

/** Whether `text` is exactly one of the allow-listed external pages (https only). */
export function isAllowedExternal(text: string): boolean {
  const url = parsed(text);
  if (!url || url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  return EXTERNAL_ALLOW_LIST.some((entry) => {
    const allowed = new URL(entry);
    return allowed.origin === url.origin && allowed.pathname === url.pathname;
  });
}

/** The window's options: isolated, sandboxed, no Node, web security on, devtools only unpackaged. */
export function windowOptions(preload: string, packaged: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Keywarden',
    backgroundColor: '#1b1d22',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      // A middle click must not open a link in a new window behind the window-open handler.
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !packaged,
      safeDialogs: true,
    },
  };
}

/** What the window guard needs of Electron: the contents' events and a way to open a page outside. */
export interface GuardDeps {
  isAppUrl: (url: URL) => boolean;
  /** shell.openExternal; called only with an allow-listed URL. */
  openExternal: (url: string) => void;
  packaged: boolean;
}

/**
 * Guards a window's contents: navigation, redirects and frames stay on the app's own page;
 * new windows are always denied (an allow-listed reference opens in the user's browser);
 * <webview> is never attached; devtools, if opened at all in a packaged build, are closed.
 */
export function guardContents(contents: WebContents, deps: GuardDeps): void {
  const stay = (event: { preventDefault(): void }, url: string) => {
    const target = parsed(url);
    if (!target || !deps.isAppUrl(target)) event.preventDefault();
  };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.on('will-frame-navigate', (event) => stay(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Only the exact pages of EXTERNAL_ALLOW_LIST (https, compared after parsing) get out.
    if (isAllowedExternal(url)) deps.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
    return { action: 'deny' };
  });
  if (deps.packaged) contents.on('devtools-opened', () => contents.closeDevTools());
}

/**
 * Denies every permission the page could ask for (camera, notifications, clipboard read,
 * HID, USB, serial, display capture…): the renderer reaches devices only through the
 * contract, and the main process talks to tokens itself.
 */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-serial-port', (event, _portList, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('will-download', (event) => event.preventDefault());
}
