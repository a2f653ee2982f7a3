import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

// Electron Forge 8: `npm start` (electron-forge start: Vite builds main and preload, serves the
// renderer from a dev server on localhost, rebuilds native modules for Electron, launches the
// app), `npm run package` and `npm run make`. Installers come from electron-builder
// (electron-builder.yml), with the same fuses and the same files.
//
// What goes into the app (app.asar): the Vite output (.vite/build, .vite/renderer), package.json,
// resources/fonts (read at run time; the JSON resources are bundled), and the node_modules the
// main bundle imports at run time with everything they depend on. Forge's Vite plugin ships
// only .vite: it leaves packages that the bundle keeps external behind (electron/forge#3917),
// and every dependency is external here (vite.main.config.ts says why), so this config's
// ignore function keeps that closure itself.

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Dependencies that only the renderer uses; Vite bundles them into it. */
export const RENDERER_ONLY_PACKAGES: readonly string[] = ['react', 'react-dom'];

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readPackage = (folder: string): PackageJson =>
  JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as PackageJson;

/** Where Node finds package `name` when `from` (a package folder) imports it, or null. */
function resolvePackage(root: string, from: string, name: string): string | null {
  for (let folder = from; ; folder = dirname(folder)) {
    const candidate = join(folder, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (folder === root || dirname(folder) === folder) return null;
  }
}

/**
 * The folders of `names` (imported from `root`) and of every package they depend on, as Node
 * resolves them, relative to `root` in packager's form ('/node_modules/…'). Optional and peer
 * dependencies count when they are installed. Throws an Error naming a required package that
 * is not installed: a package built without it would fail at run time.
 */
export function dependencyClosure(root: string, names: readonly string[]): Set<string> {
  const folders = new Set<string>();
  const visit = (from: string, name: string, required: boolean) => {
    const folder = resolvePackage(root, from, name);
    if (!folder) {
      if (required) throw new Error(`${name} (needed at run time) is not installed; run npm ci.`);
      return;
    }
    const key = `/${relative(root, folder).split(sep).join('/')}`;
    if (folders.has(key)) return;
    folders.add(key);
    const pkg = readPackage(folder);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(folder, dep, true);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(folder, dep, false);
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) {
      visit(folder, dep, pkg.peerDependenciesMeta?.[dep]?.optional !== true);
    }
  };
  for (const name of names) visit(root, name, true);
  return folders;
}

/** The packages the main bundle imports at run time: dependencies but the renderer's own. */
export function runtimePackages(root: string = ROOT): string[] {
  const deps = Object.keys(readPackage(root).dependencies ?? {});
  return deps.filter((name) => !RENDERER_ONLY_PACKAGES.includes(name));
}

// Packager's own default ignores, which it drops once `ignore` is a function, and node-gyp's
// intermediate folder: build leftovers of native packages (node_gyp_bins holds a symlink to the
// build machine's python).
const BUILD_LEFTOVERS = [
  /\/node_modules\/\.bin(\/|$)/,
  /\.o(bj)?$/,
  /\/node_gyp_bins(\/|$)/,
  /\/build\/Release\/obj\.target(\/|$)/,
];

/**
 * Packager's ignore function: true for a path (relative to the project, '/…') that stays out of
 * the app. Keeps package.json, .vite, resources/fonts and the runtime packages' closure, and the
 * folders leading to them; everything else (sources, tests, dev tools, the Node 22 the tests
 * use) stays out. The closure is read from node_modules at the first call, after `npm ci`.
 */
export function makeIgnore(root: string = ROOT): (file: string) => boolean {
  let kept: string[] | null = null;
  return (file) => {
    if (!file) return false;
    kept ??= [
      '/package.json',
      '/.vite',
      '/resources/fonts',
      ...dependencyClosure(root, runtimePackages(root)),
    ];
    if (BUILD_LEFTOVERS.some((pattern) => pattern.test(file))) return true;
    const inside = kept.some((keep) => file === keep || file.startsWith(`${keep}/`));
    const leadsTo = kept.some((keep) => keep.startsWith(`${file}/`));
    return !(inside || leadsTo);
  };
}

/** Fuses (DESIGN.md "Processes and IPC"); electron-builder.yml sets the same. */
export const FUSES = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // The renderer is served through app://, so file:// pages need no privileges beyond a browser's.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Keywarden',
    executableName: 'keywarden',
    // Native code cannot be loaded from inside an archive: every .node file (the packages' and
    // the project's addons in .vite/build/addon) goes to app.asar.unpacked, where Electron
    // redirects their loads. A pattern without a slash matches the file's base name wherever
    // it sits; `**/*.node` would miss files under the dot-folder .vite.
    asar: { unpack: '*.node' },
    ignore: makeIgnore(),
    // The ignore function already keeps only what runs; packager's pruning would decide module
    // folders over it (and keep empty folders of every production dependency).
    prune: false,
  },
  // Forge rebuilds the native packages it copies (and, under `npm start`, node_modules itself)
  // against the Electron headers.
  rebuildConfig: {},
  makers: [
    { name: '@electron-forge/maker-zip', platforms: ['linux', 'darwin', 'win32'], config: {} },
    {
      name: '@electron-forge/maker-deb',
      platforms: ['linux'],
      config: {
        options: {
          name: 'keywarden',
          productName: 'Keywarden',
          bin: 'keywarden',
          maintainer: 'Keywarden maintainers',
          categories: ['Utility'],
          section: 'utils',
        },
      },
    },
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main/main.ts', config: 'vite.main.config.ts', target: 'main' },
        {
          entry: 'electron/preload/preload.ts',
          config: 'vite.preload.config.ts',
          target: 'preload',
        },
      ],
      renderer: [{ name: 'main_window', config: 'renderer/vite.config.ts' }],
    }),
    new FusesPlugin(FUSES),
  ],
};

export default config;
