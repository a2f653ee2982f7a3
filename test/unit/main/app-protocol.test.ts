import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  APP_RESPONSE_HEADERS,
  appFileFor,
  serveAppRequest,
} from '../../../electron/main/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/window-policy.ts';

// The app:// protocol over a real folder: the renderer's files are served with their types
// and the CSP; nothing outside the folder is ever read.

const base = mkdtempSync(join(tmpdir(), 'keywarden-protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>Keywarden</title>');
writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'data.bin'), 'x');
writeFileSync(join(base, 'secret.txt'), 'outside the renderer');
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Serves `url`, recording every file the protocol read. */
async function serve(url: string, method = 'GET') {
  const read: string[] = [];
  const { readFile } = await import('node:fs/promises');
  const response = await serveAppRequest(root, new Request(url, { method }), async (path) => {
    read.push(path);
    return readFile(path);
  });
  return { response, read, body: await response.text() };
}

describe('app:// requests', () => {
  it('serves index.html for / and the files under the renderer, with their types', async () => {
    const index = await serve('app://keywarden/');
    expect(index.response.status).toBe(200);
    expect(index.body).toContain('<title>Keywarden</title>');
    expect(index.response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const script = await serve('app://keywarden/assets/index-abc.js');
    expect(script.response.status).toBe(200);
    expect(script.response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log(1)');
  });

  it('sends the CSP, no-sniff and isolation headers on every answer, errors included', async () => {
    for (const url of ['app://keywarden/index.html', 'app://keywarden/missing.js', 'app://x/']) {
      const { response } = await serve(url);
      expect(response.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
      for (const [name, value] of Object.entries(APP_RESPONSE_HEADERS)) {
        expect(response.headers.get(name), `${url} ${name}`).toBe(value);
      }
    }
  });

  it('reads nothing outside the renderer folder, however the path is spelt', async () => {
    for (const url of [
      'app://keywarden/../secret.txt',
      'app://keywarden/%2e%2e/secret.txt',
      'app://keywarden/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://keywarden/assets/..%5c..%5csecret.txt',
      'app://keywarden/index.html%00.js',
      'app://keywarden/%E0%A4%A',
      'app://keywarden.evil/index.html',
      'file:///etc/passwd',
    ]) {
      const { response, read, body } = await serve(url);
      expect([url, response.status]).toEqual([url, response.status === 404 ? 404 : 403]);
      expect(body, url).not.toContain('outside the renderer');
      for (const path of read) expect(path.startsWith(root), url).toBe(true);
    }
  });

  it('answers 404 for a missing file or one of a type it does not serve', async () => {
    expect((await serve('app://keywarden/nothing.html')).response.status).toBe(404);
    const unknown = await serve('app://keywarden/assets/data.bin');
    expect(unknown.response.status).toBe(404);
    expect(unknown.read).toEqual([]);
  });

  it('answers only GET and HEAD; HEAD without a body', async () => {
    expect((await serve('app://keywarden/index.html', 'POST')).response.status).toBe(405);
    const head = await serve('app://keywarden/index.html', 'HEAD');
    expect([head.response.status, head.body]).toEqual([200, '']);
  });
});

describe('appFileFor', () => {
  it('maps a URL to a file under the root, or to nothing', () => {
    expect(appFileFor(root, new URL('app://keywarden/assets/index-abc.js'))).toBe(
      join(root, 'assets', 'index-abc.js'),
    );
    expect(appFileFor(root, new URL('app://keywarden/'))).toBe(join(root, 'index.html'));
    // The URL parser folds dot segments, encoded or not, before the protocol sees the path.
    expect(appFileFor(root, new URL('app://keywarden/%2e%2e/secret.txt'))).toBe(
      join(root, 'secret.txt'),
    );
    expect(appFileFor(root, new URL('app://keywarden/a/..%2f..%2fsecret.txt'))).toBeNull();
    expect(appFileFor(root, new URL('app://keywarden:8080/index.html'))).toBeNull();
    expect(appFileFor(root, new URL('app://user:pw@keywarden/index.html'))).toBeNull();
  });
});
