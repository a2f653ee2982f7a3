import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './window-policy.ts';

// The app:// protocol: serves the built renderer's files, and nothing else, to the window.
// A request outside the renderer's folder (../, an encoded ../, a NUL byte, another host) is
// refused before any file is touched. Every response carries the CSP and says its type, so
// nothing is sniffed into script. Written against the Fetch API's Request and Response
// (globals in Electron's main process and in Node), so it is tested without Electron.

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

/** The headers of every response: the CSP and the browser's isolation and no-sniff switches. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * The file under `root` that an app:// URL names (`/` is index.html), or null when the URL is
 * not the app's (scheme, host, credentials, port) or would leave `root`.
 */
export function appFileFor(root: string, url: URL): string | null {
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  if (url.username !== '' || url.password !== '') return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${path === '/' ? '/index.html' : path}`);
  return file.startsWith(base + sep) ? file : null;
}

/** Reads a file's bytes; injectable so tests can count what was read. */
export type ReadFile = (path: string) => Promise<Uint8Array>;

/**
 * Answers one app:// request from the files under `root`: 200 with the file and its type,
 * 403 for a URL outside the renderer, 404 for a file that is not there, 405 for anything
 * but GET and HEAD. Never throws.
 */
export async function serveAppRequest(
  root: string,
  request: Request,
  read: ReadFile = readFile,
): Promise<Response> {
  const answer = (status: number, body: Uint8Array | null, type = 'text/plain; charset=utf-8') =>
    new Response(body as ConstructorParameters<typeof Response>[0], {
      status,
      headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': type },
    });
  if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, null);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return answer(403, null);
  }
  const file = appFileFor(root, url);
  if (file === null) return answer(403, null);
  const type = TYPES[extname(file).toLowerCase()];
  if (type === undefined) return answer(404, null);
  try {
    const bytes = await read(file);
    return answer(200, request.method === 'HEAD' ? null : bytes, type);
  } catch {
    return answer(404, null);
  }
}
