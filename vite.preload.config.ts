import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The preload as Forge's Vite plugin builds it and as `npm run build` builds it:
// .vite/build/preload.cjs. It runs sandboxed, where only 'electron' can be required, so it is
// one CommonJS file (a sandboxed preload cannot be an ES module) with the shared contract it
// uses bundled in and nothing else external.

const ROOT = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: ROOT,
  build: {
    outDir: join(ROOT, '.vite/build'),
    // The main bundle shares the folder; Forge builds both at once.
    emptyOutDir: false,
    copyPublicDir: false,
    minify: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: 'electron/preload/preload.ts',
      external: ['electron', 'electron/renderer'],
      // Forge's own output settings, so that both builds name the file alike.
      output: {
        format: 'cjs',
        codeSplitting: false,
        entryFileNames: '[name].cjs',
        chunkFileNames: '[name].cjs',
        assetFileNames: '[name].[ext]',
      },
    },
  },
});
