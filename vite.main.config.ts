import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

// The Electron main process as Forge's Vite plugin builds it (`electron-forge start`, `package`,
// `make`) and as `npm run build` builds it: .vite/build/main.js plus the PKCS#11 worker
// (.vite/build/pkcs11-worker.js) and the chunks they share, all in that one folder.
//
// ES modules, not Forge's default CommonJS `.cjs`: package.json is `"type": "module"` and
// Electron 45 loads an ES main natively, so the bundle keeps `import.meta.url`, which the code
// uses to find what sits beside it (the worker, the project's addons, the renderer), and it
// imports its dependencies the way the source does when the CLI and the tests run it on Node,
// CommonJS and ESM-only packages alike.
//
// Only the project's own code is bundled. Every package in package.json `dependencies` stays an
// external import, loaded at run time from the node_modules the packagers ship: the native ones
// cannot be bundled (.node files found beside their JavaScript), several others read their own
// files through __dirname (pdfkit, fontkit's data), and bundling them would make the app run
// code the tests never ran.

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/** The entry points, named as their bundles are: main.js and pkcs11-worker.js. */
export const MAIN_ENTRIES = {
  main: 'electron/main/main.ts',
  // pkcs11-client.ts starts it as `new URL('./pkcs11-worker.js', import.meta.url)`.
  'pkcs11-worker': 'native/pkcs11/pkcs11-worker.ts',
} as const;

/**
 * Where the project's own N-API addons go: native/<part>/addon/build/Release/<name>.node is
 * loaded as `./addon/build/Release/<name>.node` beside the module that loads it, which in the
 * bundle is every module's folder, .vite/build.
 */
export const ADDON_FOLDER = 'addon/build/Release';

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};

/** The packages the bundle imports from node_modules at run time. */
export const RUNTIME_PACKAGES: readonly string[] = Object.keys(packageJson.dependencies ?? {});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A package and its subpaths (`cbor2`, `cbor2/sorts`), never another package with a longer name. */
const packagePattern = (name: string) => new RegExp(`^${escape(name)}(?:/.*)?$`);

// An array, not a function: Forge merges its own list (builtins, 'electron') into this one.
const EXTERNAL: (string | RegExp)[] = [
  'electron',
  /^electron\//,
  ...builtinModules,
  /^node:/,
  ...RUNTIME_PACKAGES.map(packagePattern),
];

/** The built addons of native/<part>/addon, as [file name, absolute path]; missing ones skipped. */
function builtAddons(): [string, string][] {
  const found: [string, string][] = [];
  for (const part of readdirSync(join(ROOT, 'native'))) {
    const release = join(ROOT, 'native', part, 'addon', 'build', 'Release');
    if (!existsSync(release)) continue;
    for (const name of readdirSync(release)) {
      if (name.endsWith('.node')) found.push([name, join(release, name)]);
    }
  }
  return found;
}

/**
 * Emits every built project addon into the bundle's addon folder. An addon that is not built
 * (no libtss2-dev or compiler at install) is left out: the app runs without the feature and
 * says so, as it does from source.
 */
function projectAddons(): Plugin {
  return {
    name: 'keywarden:project-addons',
    generateBundle() {
      const seen = new Set<string>();
      for (const [name, path] of builtAddons()) {
        // One flat folder serves every addon, so their file names must differ.
        if (seen.has(name)) this.error(`Two project addons are both named ${name}.`);
        seen.add(name);
        this.emitFile({
          type: 'asset',
          fileName: `${ADDON_FOLDER}/${name}`,
          source: readFileSync(path),
        });
      }
    },
  };
}

export default defineConfig((env) => {
  // Forge deletes .vite before it builds and runs main and preload side by side into the same
  // folder, so only `npm run build` (vite on its own, main first) empties it.
  const underForge = 'forgeConfig' in env;
  return {
    root: ROOT,
    // Forge's setting, kept for `npm run build`: Node's conditions, ESM entry points first.
    resolve: { conditions: ['node'], mainFields: ['module', 'jsnext:main', 'jsnext'] },
    build: {
      outDir: join(ROOT, '.vite/build'),
      emptyOutDir: !underForge,
      copyPublicDir: false,
      target: 'node22',
      // Readable in the asar: an auditor can read what runs, and stack traces name functions.
      minify: false,
      reportCompressedSize: false,
      lib: {
        entry: MAIN_ENTRIES,
        formats: ['es'],
        fileName: (_format, entryName) => `${entryName}.js`,
      },
      rollupOptions: {
        external: EXTERNAL,
        // Flat: code in a shared chunk must see the same folder through import.meta.url as the
        // entries do.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
    plugins: [projectAddons()],
  };
});
