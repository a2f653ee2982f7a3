import { defineConfig } from 'vite';

// The renderer is served from the packaged files (app://), never from a dev server once
// packaged; relative asset paths keep it loadable from wherever its folder is served. The
// output is where Forge's Vite plugin puts renderer "main_window" (.vite/renderer/main_window,
// beside the main bundle's .vite/build), so `npm run build` and Forge lay the app out alike.
// Both run Vite from the project folder; outDir is relative to root.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: { outDir: '../.vite/renderer/main_window', emptyOutDir: true },
  oxc: { jsx: { runtime: 'automatic' } },
});
