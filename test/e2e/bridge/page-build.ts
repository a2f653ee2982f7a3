import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Rolldown } from 'vite';

// The page the bridge serves: the renderer as `npm run build` builds it (its own
// renderer/vite.config.ts), plus the shim, held in memory. The renderer is built into a temp
// folder (never the repo's renderer/dist) that is read and removed at once, so whatever the
// renderer grows into (assets, a public folder) is served as built, and nothing is left on disk.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RENDERER_ROOT = join(REPO, 'renderer');
const RENDERER_CONFIG = join(RENDERER_ROOT, 'vite.config.ts');
const SHIM_ENTRY = fileURLToPath(new URL('./shim.ts', import.meta.url));

/** Where the page finds the shim; index.html loads it before the renderer's module script. */
export const SHIM_PATH = '/bridge-shim.js';

/** One file of the page, as it is served. */
export interface PageFile {
  body: Buffer;
  contentType: string;
}

/** The page's files by URL path ("/index.html", "/assets/index-….js", "/bridge-shim.js"). */
export type BridgePage = ReadonlyMap<string, PageFile>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const fileOf = (body: Buffer, name: string): PageFile => ({
  body,
  contentType: CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
});

/** Every file under `dir`, keyed by its URL path. */
function readTree(dir: string): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(`/${relative(dir, path).split(sep).join('/')}`, fileOf(readFileSync(path), path));
  }
  return files;
}

/** Builds the renderer with its own config into a temp folder, and reads it back. */
async function buildRenderer(): Promise<Map<string, PageFile>> {
  const outDir = mkdtempSync(join(tmpdir(), 'keywarden-bridge-renderer-'));
  try {
    await build({
      configFile: RENDERER_CONFIG,
      // The config names its root relative to the repo; the bridge may start elsewhere.
      root: RENDERER_ROOT,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    return readTree(outDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Builds shim.ts (and what it imports) into one classic script, in memory. */
async function buildShim(): Promise<string> {
  const result = await build({
    configFile: false,
    root: fileURLToPath(new URL('.', import.meta.url)),
    publicDir: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: SHIM_ENTRY, formats: ['iife'], name: 'keywardenBridgeShim' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap((output) => output.output).filter((out) => out.type === 'chunk');
  if (chunks.length !== 1 || chunks[0] === undefined) {
    throw new Error(`The shim build gave ${chunks.length} scripts; expected one.`);
  }
  return chunks[0].code;
}

/**
 * index.html with the shim's script tag before the first module script (the renderer's), so
 * window.keywarden exists when the renderer starts. Throws if there is no module script.
 */
function withShim(html: string): string {
  const at = html.search(/<script\b[^>]*\btype="module"/);
  if (at < 0)
    throw new Error("The renderer's index.html has no module script to load after the shim.");
  return `${html.slice(0, at)}<script src="${SHIM_PATH}"></script>\n    ${html.slice(at)}`;
}

/**
 * Builds the page: the renderer and the shim, with index.html loading the shim first.
 * Throws what vite throws for a build that fails, or Error if the renderer has no index.html.
 */
export async function buildBridgePage(): Promise<BridgePage> {
  const [files, shim] = await Promise.all([buildRenderer(), buildShim()]);
  const index = files.get('/index.html');
  if (index === undefined) throw new Error('The renderer build has no index.html.');
  files.set(
    '/index.html',
    fileOf(Buffer.from(withShim(index.body.toString('utf8'))), 'index.html'),
  );
  files.set(SHIM_PATH, fileOf(Buffer.from(shim), SHIM_PATH));
  return files;
}
