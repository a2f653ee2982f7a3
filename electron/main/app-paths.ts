import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the built app's parts sit, seen from the main bundle. Forge's Vite plugin and
// `npm run build` lay them out the same way under the app's root (the project folder under
// `npm start`, app.asar once packaged):
//
//   .vite/build/main.js               this module, bundled (every chunk sits beside it)
//   .vite/build/preload.cjs           the preload (vite.preload.config.ts)
//   .vite/renderer/main_window/       the built renderer (renderer/vite.config.ts)
//   resources/                        fonts for printing (JSON resources are in the bundle)
//
// No 'electron' import: whether the app is packaged is the caller's `app.isPackaged`.

/** The renderer's name in forge.config.ts, and so its folder under .vite/renderer. */
export const RENDERER_NAME = 'main_window';

/** The preload bundle's file name (vite.preload.config.ts: `[name].cjs` of preload.ts). */
export const PRELOAD_FILE = 'preload.cjs';

/** The absolute paths of the app's parts. */
export interface AppLayout {
  /** The built renderer's index.html; its folder is what app:// serves. */
  rendererIndex: string;
  preload: string;
  /** The folder holding resources/fonts. */
  resourcesRoot: string;
}

/** The layout around a main bundle that lives in `buildFolder` (…/.vite/build). */
export function layoutOf(buildFolder: string): AppLayout {
  const appRoot = join(buildFolder, '..', '..');
  return {
    rendererIndex: join(buildFolder, '..', 'renderer', RENDERER_NAME, 'index.html'),
    preload: join(buildFolder, PRELOAD_FILE),
    resourcesRoot: join(appRoot, 'resources'),
  };
}

// Resolved from this module's own URL, which in the bundle is .vite/build/main.js (or a chunk
// beside it). Through fileURLToPath, not `new URL('…', import.meta.url)`: Vite would take a
// literal URL for an asset to copy at build time.
const layout = layoutOf(dirname(fileURLToPath(import.meta.url)));

/** The built renderer's index.html beside the main bundle, under `npm start` and packaged. */
export function rendererIndex(): string {
  return layout.rendererIndex;
}

/** The preload bundle beside the main bundle. */
export function preloadPath(): string {
  return layout.preload;
}

/**
 * The folder holding resources/ (fonts for printing) in the app's root: the project folder
 * under `npm start`, inside app.asar once packaged (covered by its integrity check). The same
 * path either way, so it takes no `packaged` flag.
 */
export function resourcesRoot(): string {
  return layout.resourcesRoot;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The renderer dev server's URL from Forge's `define` value, or null: always null when
 * `packaged` (a packaged app loads only its own files) and when there is none (`npm run build`,
 * `electron-forge package`). Throws an Error when the value is not an http URL on this machine's
 * loopback: the window must never load a page from anywhere else.
 */
export function devServerUrlFrom(value: unknown, packaged: boolean): URL | null {
  if (packaged || typeof value !== 'string' || value === '') return null;
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(`The renderer dev server must be http on loopback, not ${value}.`);
  }
  return url;
}

/**
 * Forge's MAIN_WINDOW_VITE_DEV_SERVER_URL (set under `electron-forge start` only) when the app
 * is not packaged, else null. Throws as devServerUrlFrom does.
 */
export function devServerUrl(packaged: boolean): URL | null {
  // typeof: the name is only defined when Forge's Vite plugin builds the bundle.
  const value =
    typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'undefined'
      ? undefined
      : MAIN_WINDOW_VITE_DEV_SERVER_URL;
  return devServerUrlFrom(value, packaged);
}
