import { defineConfig } from 'vite';

// The renderer is served from the packaged files, never from a dev server in production;
// relative asset paths keep it loadable from file://.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: { outDir: 'dist', emptyOutDir: true },
  oxc: { jsx: { runtime: 'automatic' } },
});
