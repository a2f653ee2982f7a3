// Set by @electron-forge/plugin-vite's `define` in the main bundle: the renderer dev server's
// URL under `electron-forge start`. Undefined in a production build (`electron-forge package`,
// `npm run build`), and not defined at all when the source runs unbundled, so read it through
// `typeof` (electron/main/app-paths.ts).
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
