import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Session, WebContents } from 'electron';
import {
  APP_ORIGIN,
  appUrlCheck,
  CONTENT_SECURITY_POLICY,
  denyPermissions,
  EXTERNAL_ALLOW_LIST,
  guardContents,
  isAllowedExternal,
  windowOptions,
} from '../../../electron/main/window-policy.ts';

// The window's options and handlers, asserted one by one. Electron cannot run here, so the
// web contents and session are EventEmitters that record what the policy registers; the
// handlers themselves are the app's.

describe('window options', () => {
  it('isolates, sandboxes and strips Node from the renderer, packaged or not', () => {
    for (const packaged of [true, false]) {
      const options = windowOptions('/app/preload.cjs', packaged);
      expect(options.webPreferences).toMatchObject({
        preload: '/app/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        navigateOnDragDrop: false,
      });
      expect(options.webPreferences?.enableBlinkFeatures).toBe('');
      expect(options.webPreferences?.disableBlinkFeatures).toBe('Auxclick');
      expect(options.show).toBe(false);
    }
  });

  it('has developer tools only when not packaged', () => {
    expect(windowOptions('/p', true).webPreferences?.devTools).toBe(false);
    expect(windowOptions('/p', false).webPreferences?.devTools).toBe(true);
  });
});

describe('the content security policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it("allows the app's own files only, and no inline or evaluated script", () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
  });
});

describe("the app's origin", () => {
  const production = appUrlCheck(null);
  const development = appUrlCheck(new URL('http://localhost:5173/'));

  it('is app://keywarden, whatever the path, query or fragment', () => {
    for (const url of [`${APP_ORIGIN}/index.html`, `${APP_ORIGIN}/`, `${APP_ORIGIN}/a/b?x=1#y`]) {
      expect(production(new URL(url))).toBe(true);
    }
  });

  it('is not a look-alike: another host, a suffix, credentials, a file or the web', () => {
    for (const url of [
      'app://keywarden.evil/index.html',
      'app://evil.keywarden/index.html',
      'app://keywardenx/',
      'app://user:pw@keywarden/index.html',
      'file:///app/index.html',
      'https://keywarden/',
      'http://localhost:5173/',
    ]) {
      expect(production(new URL(url)), url).toBe(false);
    }
  });

  it('includes the dev server only when one is given, compared as an origin', () => {
    expect(development(new URL('http://localhost:5173/src/main.tsx'))).toBe(true);
    expect(development(new URL('http://localhost:5174/'))).toBe(false);
    expect(development(new URL('http://localhost.evil:5173/'))).toBe(false);
    expect(development(new URL('https://localhost:5173/'))).toBe(false);
  });
});

describe('external pages', () => {
  it('opens only the allow-listed https pages, compared after parsing', () => {
    for (const url of EXTERNAL_ALLOW_LIST) expect(isAllowedExternal(url), url).toBe(true);
    const [first = ''] = EXTERNAL_ALLOW_LIST;
    for (const url of [
      first.replace('https:', 'http:'),
      `${first}/../../evil`,
      `${first}x`,
      first.replace('https://', 'https://user@'),
      first.replace('csrc.nist.gov', 'csrc.nist.gov.evil.example'),
      'https://evil.example/?https://csrc.nist.gov/pubs/sp/800/57/pt1/r5/final',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(isAllowedExternal(url), url).toBe(false);
    }
  });
});

/** Web contents as the guard sees them: events, the window-open handler, devtools. */
function fakeContents() {
  const contents = new EventEmitter() as EventEmitter & {
    openHandler?: (details: { url: string }) => { action: string };
    devtoolsClosed: number;
  };
  contents.devtoolsClosed = 0;
  Object.assign(contents, {
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      contents.openHandler = handler;
    },
    closeDevTools() {
      contents.devtoolsClosed += 1;
    },
  });
  return contents;
}

function guarded(packaged: boolean) {
  const contents = fakeContents();
  const opened: string[] = [];
  guardContents(contents as unknown as WebContents, {
    isAppUrl: appUrlCheck(null),
    openExternal: (url) => opened.push(url),
    packaged,
  });
  /** Emits `name` with a fresh event; returns whether the guard prevented it. */
  const prevented = (name: string, url: string) => {
    let stopped = false;
    const event = { url, preventDefault: () => (stopped = true) };
    contents.emit(name, event, url);
    return stopped;
  };
  return { contents, opened, prevented };
}

describe('the navigation guard', () => {
  it("lets the window move within the app's pages and stops every other navigation", () => {
    const { prevented } = guarded(true);
    for (const name of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      expect(prevented(name, `${APP_ORIGIN}/index.html#/keys`), name).toBe(false);
      for (const url of [
        'https://evil.example/',
        'app://keywarden.evil/index.html',
        'file:///etc/passwd',
        'not a url',
      ]) {
        expect(prevented(name, url), `${name} ${url}`).toBe(true);
      }
    }
  });

  it('never attaches a <webview>', () => {
    expect(guarded(false).prevented('will-attach-webview', 'about:blank')).toBe(true);
  });

  it('denies every new window, and opens only an allow-listed page in the browser', () => {
    const { contents, opened } = guarded(true);
    const [allowed = ''] = EXTERNAL_ALLOW_LIST;
    expect(contents.openHandler?.({ url: allowed })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: `${APP_ORIGIN}/index.html` })).toEqual({
      action: 'deny',
    });
    expect(opened).toEqual([allowed]);
  });

  it('closes developer tools in a packaged build, and leaves them open otherwise', () => {
    const packaged = guarded(true);
    packaged.contents.emit('devtools-opened');
    expect(packaged.contents.devtoolsClosed).toBe(1);
    const unpackaged = guarded(false);
    unpackaged.contents.emit('devtools-opened');
    expect(unpackaged.contents.devtoolsClosed).toBe(0);
  });
});

describe('permissions', () => {
  const session = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const handlers: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of [
    'setPermissionRequestHandler',
    'setPermissionCheckHandler',
    'setDevicePermissionHandler',
    'setDisplayMediaRequestHandler',
  ]) {
    session[name] = (handler: (...args: unknown[]) => unknown) => (handlers[name] = handler);
  }
  denyPermissions(session as unknown as Session);

  it('refuses every permission request and check', () => {
    for (const permission of ['media', 'notifications', 'clipboard-read', 'hid', 'usb']) {
      let granted: unknown = 'unanswered';
      handlers.setPermissionRequestHandler?.(
        {},
        permission,
        (answer: boolean) => (granted = answer),
      );
      expect(granted, permission).toBe(false);
      expect(handlers.setPermissionCheckHandler?.({}, permission, APP_ORIGIN)).toBe(false);
    }
    expect(handlers.setDevicePermissionHandler?.({ deviceType: 'hid' })).toBe(false);
  });

  it('shares no screen, and picks no HID, USB or serial device for the page', () => {
    let shared: unknown;
    handlers.setDisplayMediaRequestHandler?.({}, (streams: unknown) => (shared = streams));
    expect(shared).toEqual({});
    for (const name of ['select-hid-device', 'select-usb-device', 'select-serial-port']) {
      let chosen: unknown = 'unanswered';
      let stopped = false;
      const event = { preventDefault: () => (stopped = true) };
      const callback = (id: string) => (chosen = id);
      if (name === 'select-serial-port') session.emit(name, event, [], {}, callback);
      else session.emit(name, event, { deviceList: [{ deviceId: 'x' }] }, callback);
      expect([name, stopped, chosen]).toEqual([name, true, '']);
    }
  });

  it('downloads nothing', () => {
    let stopped = false;
    session.emit('will-download', { preventDefault: () => (stopped = true) });
    expect(stopped).toBe(true);
  });
});
