import { defineConfig } from 'vite';

// The preload runs sandboxed, where only 'electron' can be required: bundle it (with the
// shared contract it uses) into one CommonJS file.
export default defineConfig({
  build: {
    outDir: 'dist/electron/preload',
    emptyOutDir: true,
    minify: false,
    lib: { entry: 'electron/preload/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
