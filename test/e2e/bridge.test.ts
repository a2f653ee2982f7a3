import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { openVaultFile } from '../../electron/core/vault/vault.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { startSoftHsm } from '../helpers/softhsm.fixture.ts';
import type { SoftHsm } from '../helpers/softhsm.fixture.ts';
import { makeVault, tempDir, TEST_PASSPHRASE } from '../helpers/vault-fixture.ts';
import type { TempDir } from '../helpers/vault-fixture.ts';
import { stopProcess } from '../helpers/processes.ts';
import type { KeywardenApi } from '../../electron/shared/api.ts';
import { BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from './bridge/wire.ts';

// The test bridge end to end: the bridge as `npm run bridge` starts it, a real vault and a real
// SoftHSM2 token behind it, and real Chromium running the real renderer against it.

const BRIDGE = fileURLToPath(new URL('./bridge/bridge.ts', import.meta.url));
const READY = /^bridge: (http:\/\/127\.0\.0\.1:(\d+))\/#token=([A-Za-z0-9_-]{43})\n$/;

interface Bridge {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Settles once the bridge has printed a line, or exited. */
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the bridge with `args`, as `npm run bridge -- …args` does, in `env`. */
function startBridge(args: string[], env: NodeJS.ProcessEnv = process.env): Bridge {
  const child = spawn(process.execPath, [BRIDGE, ...args], { env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('\n')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => resolve());
  });
  return { child, stdout: () => stdout, stderr: () => stderr, started, exited };
}

/** An HTTP GET of `path` exactly as written (no normalising), with `host` as the Host header. */
function rawGet(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; csp: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host } },
      (response) => {
        response.resume();
        const csp = response.headers['content-security-policy'];
        resolve({
          status: response.statusCode ?? 0,
          csp: typeof csp === 'string' ? csp : undefined,
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Opens a WebSocket from Node as a page would; resolves 'open' or the HTTP status refusing it. */
function openSocket(
  port: number,
  options: { token: string; origin: string; host?: string },
): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${port}/`,
      [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${options.token}`],
      { origin: options.origin, ...(options.host ? { headers: { host: options.host } } : {}) },
    );
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

let hsm: SoftHsm;
let dir: TempDir;
let vaultPath: string;
let bridge: Bridge;
let browser: Browser;
let page: Page;
let origin: string;
let port: number;
let token: string;
/** Console errors and uncaught page errors (CSP violations among them). */
const pageErrors: string[] = [];
// The renderer's own <meta> CSP names frame-ancestors, which only a header can set (the bridge
// sends it as one), and Chromium says so in the console. A notice about the renderer's markup,
// not a violation.
const META_FRAME_ANCESTORS = "'frame-ancestors' is ignored when delivered via a <meta> element";

beforeAll(async () => {
  hsm = startSoftHsm();
  dir = tempDir('keywarden-bridge-test-');
  vaultPath = dir.file('vault.kw');
  await makeVault(vaultPath);
  // Only --softhsm-conf leads the bridge to the test token: not an inherited SOFTHSM2_CONF.
  const env = { ...process.env };
  delete env.SOFTHSM2_CONF;
  bridge = startBridge(['--vault', vaultPath, '--softhsm-conf', hsm.conf], env);
  [browser] = await Promise.all([
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
    bridge.started,
  ]);
  const ready = READY.exec(bridge.stdout());
  if (!ready) throw new Error(`The bridge did not start:\n${bridge.stdout()}${bridge.stderr()}`);
  [, origin = '', , token = ''] = ready;
  port = Number(ready[2]);
  page = await browser.newPage();
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !text.includes(META_FRAME_ANCESTORS)) pageErrors.push(text);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/#token=${token}`);
});

afterAll(async () => {
  await browser?.close();
  if (bridge) await stopProcess(bridge.child);
  hsm?.cleanup();
  dir?.cleanup();
});

/** What a page evaluation sees: the window and its keywarden (test/ has no DOM types). */
type PageWindow = { keywarden: KeywardenApi; reloadMarker?: boolean };

describe('the page', () => {
  it('runs the real renderer with the shim first, the token out of the address bar, no CSP broken', async () => {
    expect(await page.locator('h1').textContent()).toContain('Keywarden');
    expect(page.url()).toBe(`${origin}/`);
    const hasApi = await page.evaluate(() => {
      const { keywarden } = globalThis as unknown as PageWindow;
      return typeof keywarden.vault.readHeader === 'function' && typeof keywarden.on === 'function';
    });
    expect(hasApi).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

describe('window.keywarden over the socket', () => {
  it("answers with the services' replies: the vault's header, and the --vault path in the settings", async () => {
    const file = openVaultFile(realDeps(), vaultPath, 'read-only');
    const { vaultId } = file.header();
    file.close();
    const [header, settings] = await page.evaluate(async (path) => {
      const { keywarden } = globalThis as unknown as PageWindow;
      return Promise.all([keywarden.vault.readHeader({ path }), keywarden.settings.show({})]);
    }, vaultPath);
    expect(header).toMatchObject({ ok: true, value: { vaultId, path: vaultPath } });
    expect(settings).toMatchObject({ ok: true, value: { vaultPath } });
  });

  it('lists the SoftHSM2 token named by --softhsm-conf', async () => {
    const reply = await page.evaluate(() =>
      (globalThis as unknown as PageWindow).keywarden.tokens.list({}),
    );
    expect(reply.ok).toBe(true);
    const serials = reply.ok ? reply.value.tokens.map((token) => token.serial) : [];
    expect(serials).toContain(hsm.tokens[0]!.serial);
  });

  it('carries Uint8Array both ways: unlock with passphrase bytes, sign, verify; a changed byte fails', async () => {
    const outcome = await page.evaluate(
      async ({ path, passphrase, actor }) => {
        const { keywarden } = globalThis as unknown as PageWindow;
        const encode = (text: string) => new TextEncoder().encode(text);
        const unlocked = await keywarden.vault.unlock({
          path,
          factor: { kind: 'passphrase', passphrase: encode(passphrase) },
        });
        await keywarden.people.add({ name: actor, roles: ['officer'] });
        const key = await keywarden.keys.generate({
          name: 'bridge signing key',
          algorithm: 'ed25519',
          purposes: ['sign', 'verify'],
          owner: actor,
        });
        if (!key.ok) return { unlocked, key };
        const data = encode('signed through the bridge');
        const signed = await keywarden.keys.sign({ id: key.value.id, data });
        if (!signed.ok) return { unlocked, signed };
        // A copy: the reply's type is Uint8Array<ArrayBufferLike>, a request's Uint8Array<ArrayBuffer>.
        const signature = Uint8Array.from(signed.value.signature);
        const verified = await keywarden.keys.verify({ id: key.value.id, data, signature });
        const changed = Uint8Array.from(signature, (byte, i) => (i === 0 ? byte ^ 1 : byte));
        const forged = await keywarden.keys.verify({ id: key.value.id, data, signature: changed });
        return {
          unlocked: unlocked.ok,
          isBytes: signed.value.signature instanceof Uint8Array,
          length: signature.length,
          verified,
          forged,
        };
      },
      { path: vaultPath, passphrase: TEST_PASSPHRASE, actor: userInfo().username },
    );
    expect(outcome).toEqual({
      unlocked: true,
      isBytes: true,
      length: 64,
      verified: { ok: true, value: { valid: true } },
      forged: { ok: true, value: { valid: false } },
    });
  });

  it('answers a request that breaks the schema with IPC_BAD_REQUEST', async () => {
    const reply = await page.evaluate(() =>
      (globalThis as unknown as PageWindow).keywarden.vault.readHeader({
        path: 42 as unknown as string,
      }),
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'IPC_BAD_REQUEST' } });
  });

  it('pushes events: settings:changed reaches a listener after settings.set', async () => {
    const payload = await page.evaluate(async () => {
      const { keywarden } = globalThis as unknown as PageWindow;
      const changed = new Promise((resolve) => {
        const stop = keywarden.on('settings:changed', (settings) => {
          stop();
          resolve(settings);
        });
      });
      await keywarden.settings.set({ autoLockMinutes: 7 });
      return changed;
    });
    expect(payload).toEqual({ autoLockMinutes: 7, vaultPath });
  });

  it('reloads the page on vault:locked, and the reloaded page connects again with the kept token', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as PageWindow).reloadMarker = true;
    });
    const reloaded = page.waitForEvent('load', { timeout: 10_000 });
    await page.evaluate(() => {
      void (globalThis as unknown as PageWindow).keywarden.vault.lock({});
    });
    await reloaded;
    const after = await page.evaluate(async () => {
      const { keywarden, reloadMarker } = globalThis as unknown as PageWindow;
      return { reloadMarker, keys: await keywarden.keys.list({}) };
    });
    expect(after).toMatchObject({
      reloadMarker: undefined,
      keys: { ok: false, error: { code: 'VAULT_LOCKED' } },
    });
    expect(page.url()).toBe(`${origin}/`);
  });
});

describe('what the bridge refuses', () => {
  it('opens a WebSocket only with the token and its own Origin and Host', async () => {
    const wrongToken = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const localhost = `http://localhost:${port}`;
    expect(await openSocket(port, { token, origin })).toBe('open');
    expect(await openSocket(port, { token: wrongToken, origin })).toBe(403);
    expect(await openSocket(port, { token: '', origin })).toBe(403);
    expect(await openSocket(port, { token, origin: 'http://evil.example' })).toBe(403);
    expect(await openSocket(port, { token, origin: localhost })).toBe(403);
    expect(await openSocket(port, { token, origin, host: `localhost:${port}` })).toBe(403);
  });

  it('answers an unknown channel with IPC_BAD_REQUEST, and closes a socket that sends a frame it cannot parse', async () => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${port}/`,
      [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`],
      { origin },
    );
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const reply = new Promise<string>((resolve) =>
      socket.once('message', (data) => resolve(String(data))),
    );
    socket.send(JSON.stringify({ id: 7, channel: 'vault:format-disk', request: {} }));
    expect(JSON.parse(await reply)).toMatchObject({
      id: 7,
      reply: { ok: false, error: { code: 'IPC_BAD_REQUEST' } },
    });
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send('{"id": 8, "channel": "vault:lock", "request": {"$bytes": "not base64!"}}');
    expect(await closed).toBe(1007);
  });

  it('serves only the built files, to its own Host only, with the CSP', async () => {
    const host = `127.0.0.1:${port}`;
    const index = await rawGet(port, '/', host);
    expect(index.status).toBe(200);
    expect(index.csp).toBe(
      `default-src 'self'; script-src 'self'; connect-src 'self' ws://${host}; ` +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect((await rawGet(port, '/bridge-shim.js', host)).status).toBe(200);
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/../../package.json',
      '/package.json',
      '/assets/',
    ]) {
      expect({ path, status: (await rawGet(port, path, host)).status }).toEqual({
        path,
        status: 404,
      });
    }
    expect((await rawGet(port, '/', `localhost:${port}`)).status).toBe(403);
    expect((await rawGet(port, '/', 'evil.example')).status).toBe(403);
  });

  it('refuses bad options with error [USAGE] and exit 2, printing nothing on stdout', async () => {
    const cases: Array<[string[], string]> = [
      [[], '--vault PATH is required.'],
      [['--vault', vaultPath, '--port', '80000'], '--port takes a whole number from 0 to 65535'],
      [['--vault', vaultPath, '--softhsm-conf', dir.file('none.conf')], 'there is no such file'],
      [
        ['--vault', vaultPath, '--hid-models', dir.file('none.json')],
        `--hid-models ${dir.file('none.json')}: there is no such file`,
      ],
      [['--vault', vaultPath, '--verbose'], "Unknown option '--verbose'"],
    ];
    for (const [args, message] of cases) {
      const refused = startBridge(args);
      expect(await refused.exited).toEqual({ code: 2, signal: null });
      expect(refused.stdout()).toBe('');
      expect(refused.stderr()).toMatch(/^error \[USAGE\]: /);
      expect(refused.stderr()).toContain(message);
    }
  });
});

describe('stopping', () => {
  it('exits 0 on SIGTERM, frees the port, and printed nothing but the ready line', async () => {
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
    expect(bridge.stdout()).toBe(`bridge: ${origin}/#token=${token}\n`);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
